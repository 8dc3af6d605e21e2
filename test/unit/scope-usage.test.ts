import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smallestCover } from '../../src/auth/access/scope-cover.js';
import { satisfiedAlternatives } from '../../src/auth/access/scopes.js';
import {
  creditGrants,
  decodeRequirement,
  encodeRequirement,
  isOverprivileged,
  summarizeScopeUsage,
  type RequirementTally,
} from '../../src/auth/access/scope-usage.js';
import { ALL_SCOPES, isSatisfied, type Scope, type ScopeRequirement } from '../../src/auth/access/scopes.js';

const ALL = new Set(ALL_SCOPES);
const at = (day: number) => new Date(Date.UTC(2031, 0, day));
const tally = (requirements: ScopeRequirement[], requests: number, day: number): RequirementTally => ({
  requirements: requirements.map(encodeRequirement),
  requests,
  lastAt: at(day),
});
const coversAll = (requirements: ScopeRequirement[], grant: readonly string[]) => requirements.every((requirement) => isSatisfied(requirement, new Set(grant)));

describe('what an audit record stores of a met requirement', () => {
  it('keeps only the alternatives the key satisfied, readable back', () => {
    const met = satisfiedAlternatives([['bookings:read'], ['bookings:read-own']], new Set(['bookings:read-own', 'team:read']));
    expect(encodeRequirement(met)).toBe('bookings:read-own');
    expect(encodeRequirement([['keys:read', 'members:read'], ['keys:manage']])).toBe('keys:read+members:read|keys:manage');
    expect(decodeRequirement('keys:read+members:read|keys:manage')).toEqual([['keys:read', 'members:read'], ['keys:manage']]);
  });

  it('drops an alternative naming a scope the catalogue no longer has', () => {
    expect(decodeRequirement('bookings:delete|bookings:cancel')).toEqual([['bookings:cancel']]);
  });
});

describe('crediting the scopes a key holds', () => {
  it('credits a group and * with the requests any scope they stand for satisfied', () => {
    const uses = creditGrants(['bookings:write', '*', 'team:read'], [tally([[['bookings:create']]], 3, 2), tally([[['bookings:cancel']]], 1, 5)]);
    expect(uses).toEqual([
      { scope: 'bookings:write', requests: 4, lastUsedAt: at(5) },
      { scope: '*', requests: 4, lastUsedAt: at(5) },
      { scope: 'team:read', requests: 0, lastUsedAt: null },
    ]);
  });

  it('counts a request once per scope, however many of its fields that scope satisfied', () => {
    const [use] = creditGrants(['event-types:read'], [tally([[['event-types:read']], [['event-types:read'], ['event-types:write']]], 2, 1)]);
    expect(use!.requests).toBe(2);
  });

  it('credits both scopes a field accepts when the key held both, and suggests the one it names first', () => {
    const summary = summarizeScopeUsage(['bookings:read', 'bookings:read-own'], [tally([[['bookings:read'], ['bookings:read-own']]], 1, 1)]);
    expect(summary.unusedScopes).toEqual([]);
    expect(summary.suggestedScopes).toEqual(['bookings:read']);
  });

  it('suggests nothing beyond what the key holds now, and nothing for a key that did nothing', () => {
    const narrowedSince = summarizeScopeUsage(['team:read'], [tally([[['team:read']], [['webhooks:read']]], 1, 1)]);
    expect(narrowedSince.suggestedScopes).toEqual(['team:read']);
    expect(summarizeScopeUsage(['*'], [])).toEqual({ scopes: [{ scope: '*', requests: 0, lastUsedAt: null }], unusedScopes: ['*'], suggestedScopes: [] });
  });

  it('calls a key overprivileged below half of its scopes used, not at half', () => {
    const held = new Set<Scope>(['team:read', 'team:write', 'calendars:read', 'analytics:read']);
    expect(isOverprivileged(held, new Set(['team:read']))).toBe(true);
    expect(isOverprivileged(held, new Set(['team:read', 'team:write']))).toBe(false);
    expect(isOverprivileged(new Set(), new Set())).toBe(false);
  });
});

describe('the smallest grant (set cover)', () => {
  it('finds the one scope that covers three fields where picking field by field takes three', () => {
    const requirements: ScopeRequirement[] = [
      [['team:read'], ['analytics:read']],
      [['calendars:read'], ['analytics:read']],
      [['webhooks:read'], ['analytics:read']],
    ];
    expect(smallestCover(requirements, ALL)).toEqual(['analytics:read']);
  });

  it('takes the scopes an alternative needs together', () => {
    expect(smallestCover([[['keys:read', 'members:read'], ['keys:manage', 'members:manage', 'audit:read']]], ALL)).toEqual(['keys:read', 'members:read']);
  });

  it('leaves out alternatives beyond what the key holds', () => {
    expect(smallestCover([[['analytics:read'], ['team:read']]], new Set<Scope>(['team:read']))).toEqual(['team:read']);
  });

  it('gives a valid cover, no larger than the optimum, when the search bound cuts it short', () => {
    const pairs: ScopeRequirement[] = ALL_SCOPES.flatMap((a, i) => ALL_SCOPES.slice(i + 1).map((b) => [[a], [b]]));
    const cover = smallestCover(pairs, ALL);
    expect(coversAll(pairs, cover)).toBe(true);
    expect(cover).toHaveLength(ALL_SCOPES.length - 1);
  });

  it('matches an exhaustive search on small random inputs', () => {
    const universe = ALL_SCOPES.slice(0, 6);
    const alternative = fc.uniqueArray(fc.constantFrom(...universe), { minLength: 1, maxLength: 3 });
    const requirement = fc.array(alternative, { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(requirement, { minLength: 0, maxLength: 6 }), (requirements) => {
        const cover = smallestCover(requirements, ALL);
        expect(coversAll(requirements, cover)).toBe(true);
        const smallest = Math.min(
          ...Array.from({ length: 1 << universe.length }, (_, mask) => universe.filter((_, bit) => mask & (1 << bit))).filter((grant) =>
            coversAll(requirements, grant),
          ).map((grant) => grant.length),
        );
        expect(cover).toHaveLength(smallest);
      }),
      { numRuns: 200 },
    );
  });
});
