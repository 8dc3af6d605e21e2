import { smallestCover } from './scope-cover.js';
import { expandScopes, isScope, type Scope, type ScopeRequirement } from './scopes.js';

/**
 * Which of its scopes a key actually exercised. Each request's audit record
 * carries the scope requirements it met (one per guarded field or type it
 * resolved, deduplicated), each reduced to the alternatives the key satisfied
 * at the time. A field refused FORBIDDEN met nothing and is not recorded: a
 * scope the key lacked was not used. Reading them back credits the scopes the
 * key holds now and finds the smallest grant that still does all of it
 * (scope-cover.ts).
 */

const OR = '|';
const AND = '+';

/** As stored: `a+b|c` is "a and b, or c". Scope names hold neither character. */
export function encodeRequirement(requirement: ScopeRequirement): string {
  return requirement.map((all) => all.join(AND)).join(OR);
}

/** The stored form read back; alternatives naming a scope no longer in the catalogue are dropped (they cannot be held). */
export function decodeRequirement(text: string): ScopeRequirement {
  return text
    .split(OR)
    .map((all) => all.split(AND))
    .filter((all): all is Scope[] => all.length > 0 && all.every(isScope));
}

/** What one group of a key's audit records says: the requirements met by each of `requests` requests, the last at `lastAt`. */
export type RequirementTally = { requirements: readonly string[]; requests: number; lastAt: Date };

export type GrantUse = { scope: string; requests: number; lastUsedAt: Date | null };

/**
 * Credits each granted name (a scope, a group or `*`) with the requests in
 * which it satisfied something: a request counts once for a grant when any
 * alternative it met names a scope the grant stands for. When a field
 * accepts either of two scopes and the key held both, both are credited;
 * the suggestion keeps one.
 */
export function creditGrants(granted: readonly string[], tallies: readonly RequirementTally[]): GrantUse[] {
  const uses = granted.map((scope) => ({ scope, stands: expandScopes([scope]), requests: 0, lastUsedAt: null as Date | null }));
  for (const tally of tallies) {
    const exercised = exercisedScopes([tally]);
    for (const use of uses) {
      if (![...use.stands].some((scope) => exercised.has(scope))) continue;
      use.requests += tally.requests;
      if (use.lastUsedAt === null || tally.lastAt > use.lastUsedAt) use.lastUsedAt = tally.lastAt;
    }
  }
  return uses.map(({ scope, requests, lastUsedAt }) => ({ scope, requests, lastUsedAt }));
}

/** Every concrete scope some met alternative named. */
export function exercisedScopes(tallies: readonly RequirementTally[]): Set<Scope> {
  const scopes = new Set<Scope>();
  for (const tally of tallies) {
    for (const text of tally.requirements) decodeRequirement(text).forEach((all) => all.forEach((scope) => scopes.add(scope)));
  }
  return scopes;
}

/** The distinct requirements met across all tallies, for the set cover. */
export function metRequirements(tallies: readonly RequirementTally[]): ScopeRequirement[] {
  const distinct = new Set(tallies.flatMap((tally) => tally.requirements));
  return [...distinct].sort().map(decodeRequirement);
}

/**
 * The rule behind `api_key.overprivileged`: the key exercised fewer than half
 * of the concrete scopes its grant stands for (a `*` key counts every scope).
 */
export function isOverprivileged(held: ReadonlySet<Scope>, exercised: ReadonlySet<Scope>): boolean {
  const used = [...held].filter((scope) => exercised.has(scope)).length;
  return held.size > 0 && used * 2 < held.size;
}

export type ScopeUsageSummary = { scopes: GrantUse[]; unusedScopes: string[]; suggestedScopes: Scope[] };

/**
 * What a key holding `granted` did with it: each granted name credited,
 * those never credited, and the smallest concrete grant that covers every
 * requirement it met. The suggestion stays within what `granted` stands for,
 * so applying it only ever narrows the key; a requirement only a scope it no
 * longer holds could meet is left out (the key cannot do that now anyway).
 */
export function summarizeScopeUsage(granted: readonly string[], tallies: readonly RequirementTally[]): ScopeUsageSummary {
  const scopes = creditGrants(granted, tallies);
  return {
    scopes,
    unusedScopes: scopes.filter((use) => use.requests === 0).map((use) => use.scope),
    suggestedScopes: smallestCover(metRequirements(tallies), expandScopes(granted)),
  };
}
