import type { Scope, ScopeRequirement } from '../auth/access/scopes.js';

/**
 * Declares who may use a field. Each argument is one alternative: a scope, or
 * a list of scopes needed together. `requires('bookings:read', 'bookings:read-own')`
 * is satisfied by either.
 */
export function requires(...alternatives: Array<Scope | Scope[]>) {
  const scopes: ScopeRequirement = alternatives.map((alternative) =>
    Array.isArray(alternative) ? alternative : [alternative],
  );
  return {
    authScopes: { scopes },
    directives: { requiresScopes: { scopes } },
    // A denied field answers null next to the other fields' data; a non-null
    // type would null its parent (for a root field, the whole response) instead.
    nullable: true as const,
  };
}

/** Declares a field open to any valid key, on purpose. */
export function authenticated() {
  return {
    authScopes: { authenticated: true },
    directives: { authenticated: {} },
  };
}
