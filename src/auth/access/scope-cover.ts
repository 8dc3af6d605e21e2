import { isSatisfied, satisfiedAlternatives, type Scope, type ScopeRequirement } from './scopes.js';

/**
 * How many partial grants the exact search may look at before it settles for
 * the best found so far (the greedy answer at worst). The catalogue has about
 * twenty scopes and fields with at most two alternatives, so real keys finish
 * in a few dozen steps; the bound only stops a pathological input.
 */
export const MAX_SEARCH_STEPS = 10_000;

/**
 * The smallest set of concrete scopes, all within `within`, that satisfies
 * every requirement (each an OR of ANDs): a minimum set cover, searched
 * exactly with branch and bound. Requirements with no alternative inside
 * `within` are left out: covering them would widen the grant. Between equally
 * small answers the search prefers the alternative a field declares first
 * (bookings:read before bookings:read-own), so a key that held both keeps the
 * answers it saw. The result is sorted.
 */
export function smallestCover(requirements: readonly ScopeRequirement[], within: ReadonlySet<Scope>): Scope[] {
  const coverable = requirements
    .map((requirement) => satisfiedAlternatives(requirement, within))
    .filter((requirement) => requirement.length > 0);
  // Fewest choices first: forced scopes come in at once, and branching starts narrow.
  const ordered = coverable.map((requirement, index) => ({ requirement, index })).sort((a, b) => a.requirement.length - b.requirement.length || a.index - b.index);
  const order = ordered.map(({ requirement }) => requirement);
  let best = greedyCover(order);
  let steps = 0;

  const search = (chosen: ReadonlySet<Scope>): void => {
    if (++steps > MAX_SEARCH_STEPS || chosen.size >= best.size) return;
    const open = order.find((requirement) => !isSatisfied(requirement, chosen));
    if (!open) {
      best = new Set(chosen);
      return;
    }
    for (const all of open) search(new Set([...chosen, ...all]));
  };
  search(new Set());
  return [...best].sort();
}

/**
 * An upper bound to start from: each requirement not yet met takes the
 * alternative adding the fewest new scopes (the first declared on a tie).
 */
function greedyCover(requirements: readonly ScopeRequirement[]): Set<Scope> {
  const chosen = new Set<Scope>();
  for (const requirement of requirements) {
    if (isSatisfied(requirement, chosen)) continue;
    const added = (all: Scope[]) => all.filter((scope) => !chosen.has(scope)).length;
    const cheapest = requirement.reduce((pick, all) => (added(all) < added(pick) ? all : pick));
    cheapest.forEach((scope) => chosen.add(scope));
  }
  return chosen;
}
