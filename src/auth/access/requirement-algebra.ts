/**
 * Requirements combined: what an operation needs is what every field it
 * reaches needs, all at once. Each field's requirement is an OR of ANDs
 * (`ScopeRequirement`), so their AND is multiplied out into one OR of ANDs
 * (disjunctive normal form) and kept minimal by absorption: an alternative
 * that contains another is dropped, since whoever holds the larger holds the
 * smaller. Pure, so the API, the request pipeline and the CLI agree.
 */
import { isSatisfied, type Scope, type ScopeRequirement } from './scopes.js';

/** What needs no scope at all: one alternative with nothing in it (any valid key). */
export const NO_SCOPE: ScopeRequirement = [[]];

/**
 * The most alternatives a combined requirement may have. Field requirements
 * in this schema combine into a handful; a cap keeps a document built to
 * multiply them (or a future schema) from costing exponential time and a
 * header no one can read.
 */
export const MAX_ALTERNATIVES = 64;

export class TooManyAlternatives extends Error {
  override readonly name = 'TooManyAlternatives';

  constructor(readonly limit: number) {
    super(`the operation's requirement has more than ${limit} alternative sets of scopes; split it into smaller operations.`);
  }
}

const keyOf = (alternative: readonly Scope[]) => alternative.join('+');
/** By code point, as `sort()` orders the scopes within an alternative: the same on every machine, whatever its locale. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The same requirement, minimal and in one order: scopes sorted, alternatives by size then name, none containing another. */
export function minimal(requirement: ScopeRequirement): ScopeRequirement {
  const distinct = new Map<string, Scope[]>();
  for (const alternative of requirement) {
    const scopes = [...new Set(alternative)].sort();
    distinct.set(keyOf(scopes), scopes);
  }
  const ordered = [...distinct.values()].sort((a, b) => a.length - b.length || byName(keyOf(a), keyOf(b)));
  // Smaller alternatives come first, so every one that could absorb another is already kept.
  const kept: Scope[][] = [];
  for (const alternative of ordered) {
    const held = new Set(alternative);
    if (!kept.some((smaller) => smaller.every((scope) => held.has(scope)))) kept.push(alternative);
  }
  return kept;
}

/** Both requirements at once, minimal; throws TooManyAlternatives past the cap. */
export function both(a: ScopeRequirement, b: ScopeRequirement, maxAlternatives = MAX_ALTERNATIVES): ScopeRequirement {
  const product: Scope[][] = [];
  for (const left of a) for (const right of b) product.push([...left, ...right]);
  const combined = minimal(product);
  if (combined.length > maxAlternatives) throw new TooManyAlternatives(maxAlternatives);
  return combined;
}

/** Every requirement at once, minimal. The same requirement twice counts once (AND is idempotent). */
export function allOf(requirements: Iterable<ScopeRequirement>, maxAlternatives = MAX_ALTERNATIVES): ScopeRequirement {
  const distinct = new Map<string, ScopeRequirement>();
  for (const requirement of requirements) {
    const normal = minimal(requirement);
    distinct.set(requirementKey(normal), normal);
  }
  // Single-alternative factors first: they only add scopes, so the product stays small until it must grow.
  const factors = [...distinct.values()].sort((x, y) => x.length - y.length);
  return factors.reduce((combined, factor) => both(combined, factor, maxAlternatives), NO_SCOPE);
}

const requirementKey = (requirement: ScopeRequirement) => requirement.map(keyOf).join(' | ');

export function needsNoScope(requirement: ScopeRequirement): boolean {
  return requirement.some((alternative) => alternative.length === 0);
}

/**
 * What the holder of `granted` lacks for the alternative closest to it: the
 * one missing the fewest scopes (then the smallest, then the first). Nothing
 * when the requirement is satisfied, judged by the same function enforcement uses.
 */
export function missingScopes(requirement: ScopeRequirement, granted: ReadonlySet<string>): Scope[] {
  if (isSatisfied(requirement, granted)) return [];
  let best: Scope[] | undefined;
  for (const alternative of minimal(requirement)) {
    const lacking = alternative.filter((scope) => !granted.has(scope));
    if (!best || lacking.length < best.length) best = lacking;
  }
  return best ?? [];
}

/**
 * The compact form the `Tessera-Accepted-Scopes` header and the CLI print:
 * alternatives separated by ` | `, scopes needed together joined by `+`
 * (`bookings:read | bookings:read-own`, `event-types:read+team:read`), and
 * `none` when any valid key will do (no scope name can be `none`).
 */
export function requirementText(requirement: ScopeRequirement): string {
  const normal = minimal(requirement);
  return needsNoScope(normal) ? 'none' : requirementKey(normal);
}
