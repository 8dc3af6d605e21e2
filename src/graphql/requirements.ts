import type { Scope, ScopeRequirement } from '../auth/access/scopes.js';
import type { RequestContext } from './context.js';

/**
 * Declares who may use a field. Each argument is one alternative: a scope, or
 * a list of scopes needed together. `requires('bookings:read', 'bookings:read-own')`
 * is satisfied by either.
 */
export function requires(...alternatives: Array<Scope | Scope[]>) {
  const scopes = requirementOf(alternatives);
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

const requirementOf = (alternatives: Array<Scope | Scope[]>): ScopeRequirement =>
  alternatives.map((alternative) => (Array.isArray(alternative) ? alternative : [alternative]));

/**
 * Declares who may see an object type, wherever it is reached (Apollo's
 * `@requiresScopes` on OBJECT): contact data, key details, actors and audit
 * data stay guarded by every route that leads to them. Fields returning a
 * guarded type must be nullable, so a refusal nulls only that field.
 * `exempt` lets the caller see its own object without the scopes (e.g. its
 * own key); the printed requirement is the one everyone else needs.
 */
export function typeRequires<Parent>(
  alternatives: Array<Scope | Scope[]>,
  exempt?: (parent: Parent, context: RequestContext) => boolean,
) {
  const scopes = requirementOf(alternatives);
  return {
    authScopes: exempt ? (parent: Parent, context: RequestContext) => (exempt(parent, context) ? true : { scopes }) : { scopes },
    directives: { requiresScopes: { scopes } },
  };
}
