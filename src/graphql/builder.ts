import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import FieldRateLimitPlugin from './field-limit.plugin.js';
import InputBoundsPlugin from './input-bounds.plugin.js';
import type { RequestContext } from './context.js';
import { appError } from '../lib/errors.js';
import { isSatisfied, type ScopeRequirement } from '../auth/access/scopes.js';
import { noteMet } from './met-requirements.js';

/** The single builder. It defines no types: the modules do. */
export const builder = new SchemaBuilder<{
  Context: RequestContext;
  AuthScopes: { scopes: ScopeRequirement; authenticated: boolean };
  DefaultFieldNullability: false;
  Scalars: {
    // graphql-js hands every ID argument over as a string (numbers are converted), so resolvers need no String().
    ID: { Input: string; Output: string | number };
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  Directives: {
    requiresScopes: { locations: 'OBJECT' | 'FIELD_DEFINITION' | 'INTERFACE'; args: { scopes: ScopeRequirement } };
    authenticated: { locations: 'FIELD_DEFINITION'; args: Record<string, never> };
    rateLimit: { locations: 'FIELD_DEFINITION'; args: { max: number; window: string; by: string } };
  };
}>({
  // Order matters: scope-auth wraps outermost, so refused calls never count against a field limit;
  // arguments are bounded last, right before the resolver (calls with bad input still count).
  plugins: [ScopeAuthPlugin, FieldRateLimitPlugin, InputBoundsPlugin, DirectivesPlugin],
  defaultFieldNullability: false,
  directives: { useGraphQLToolsUnorderedDirectives: true },
  scopeAuth: {
    // A subscription's fields are checked when it starts, not only per event it sends.
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      // The one place every requirement is checked: what passes is noted for the audit record (scopeUsage reads it back).
      scopes: (requirement) => {
        const satisfied = isSatisfied(requirement, context.principal.scopes);
        if (satisfied) noteMet(context, requirement);
        return satisfied;
      },
      authenticated: true,
    }),
    unauthorizedError: (_parent, _context, info, result) =>
      appError('FORBIDDEN', `This key lacks the scopes ${info.parentType.name}.${info.fieldName} requires.`, {
        requiredScopes: requiredScopesOf(result.failure),
      }),
  },
});

/** Digs the declared requirement out of scope-auth's failure report. */
function requiredScopesOf(failure: AuthFailure): ScopeRequirement {
  if (failure.kind === AuthScopeFailureType.AuthScope && failure.scope === 'scopes') {
    return failure.parameter as ScopeRequirement;
  }
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    return failure.failures.flatMap(requiredScopesOf);
  }
  return [];
}
