import { encodeRequirement } from '../auth/access/scope-usage.js';
import { satisfiedAlternatives, type ScopeRequirement } from '../auth/access/scopes.js';

/**
 * The scope requirements one request met, for its audit record. scope-auth
 * evaluates each distinct requirement once per request (its cache is keyed by
 * the declaration), so noting one is a set insertion; encoding waits for the
 * record. Keyed by the request's context object, which the pipeline's
 * hooks and the resolvers share.
 */
const metByRequest = new WeakMap<object, Set<ScopeRequirement>>();

/** Called where scope-auth found a requirement satisfied: a refused one is never noted. */
export function noteMet(context: object, requirement: ScopeRequirement): void {
  let met = metByRequest.get(context);
  if (!met) metByRequest.set(context, (met = new Set()));
  met.add(requirement);
}

/**
 * What the request's audit record stores: each requirement met, reduced to
 * the alternatives `granted` satisfies, encoded, distinct and sorted; empty
 * when nothing guarded was resolved.
 */
export function metRequirementsOf(context: object, granted: ReadonlySet<string>): string[] {
  const met = metByRequest.get(context);
  if (!met) return [];
  const encoded = new Set([...met].map((requirement) => encodeRequirement(satisfiedAlternatives(requirement, granted))));
  encoded.delete('');
  return [...encoded].sort();
}
