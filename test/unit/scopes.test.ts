import { describe, expect, it } from 'vitest';
import {
  ALL_SCOPES,
  expandScopes,
  intersect,
  isGrantable,
  isSatisfied,
  PUBLIC_KEY_SCOPES,
  ROLE_SCOPES,
  SCOPE_GROUPS,
} from '../../src/auth/access/scopes.js';
import { validateScopes } from '../../src/auth/access/key-settings.js';
import { authenticated, requires } from '../../src/graphql/requirements.js';
import type { AppError } from '../../src/lib/errors.js';

describe('scope catalogue', () => {
  it('holds exactly the scopes of the contract', () => {
    expect([...ALL_SCOPES].sort()).toEqual(
      [
        'bookings:create',
        'bookings:read-own',
        'bookings:read',
        'bookings:update',
        'bookings:cancel',
        'bookings:reschedule',
        'bookings:transition',
        'availability:read',
        'event-types:read',
        'event-types:write',
        'team:read',
        'team:write',
        'calendars:read',
        'webhooks:read',
        'webhooks:manage',
        'analytics:read',
        'keys:read',
        'keys:manage',
        'audit:read',
        'members:read',
        'members:manage',
      ].sort(),
    );
  });

  it('expands bookings:write to create, update, cancel, reschedule and transition', () => {
    expect([...expandScopes(['bookings:write'])].sort()).toEqual(
      ['bookings:cancel', 'bookings:create', 'bookings:reschedule', 'bookings:transition', 'bookings:update'].sort(),
    );
    expect(SCOPE_GROUPS['bookings:write']).not.toContain('bookings:read');
  });

  it('expands * to every scope', () => {
    expect(expandScopes(['*'])).toEqual(new Set(ALL_SCOPES));
  });

  it('keeps plain scopes, merges duplicates and ignores unknown names', () => {
    expect(expandScopes(['keys:read', 'keys:read', 'bookings:create', 'bookings:write', 'nope:x'])).toEqual(
      new Set(['keys:read', 'bookings:create', 'bookings:update', 'bookings:cancel', 'bookings:reschedule', 'bookings:transition']),
    );
  });

  it('grants scopes, groups and *, and nothing else', () => {
    for (const scope of ALL_SCOPES) expect(isGrantable(scope)).toBe(true);
    expect(isGrantable('bookings:write')).toBe(true);
    expect(isGrantable('*')).toBe(true);
    for (const name of ['bookings:*', 'keys', 'KEYS:READ', '', ' keys:read', 'toString', '__proto__']) {
      expect(isGrantable(name)).toBe(false);
    }
  });

  it('lets public keys hold only availability:read, event-types:read, bookings:create and bookings:read-own', () => {
    expect([...PUBLIC_KEY_SCOPES].sort()).toEqual(['availability:read', 'bookings:create', 'bookings:read-own', 'event-types:read']);
  });

  it('gives MEMBER everything but keys:*, webhooks:manage, audit:read and members:*, and ADMIN everything', () => {
    expect(ROLE_SCOPES.ADMIN).toEqual(new Set(ALL_SCOPES));
    const withheld = ALL_SCOPES.filter((scope) => !ROLE_SCOPES.MEMBER.has(scope)).sort();
    expect(withheld).toEqual(['audit:read', 'keys:manage', 'keys:read', 'members:manage', 'members:read', 'webhooks:manage']);
  });

  it('intersects a key with its role', () => {
    expect(intersect(expandScopes(['*']), ROLE_SCOPES.MEMBER)).toEqual(ROLE_SCOPES.MEMBER);
    expect(intersect(['keys:read', 'team:read'], ROLE_SCOPES.MEMBER)).toEqual(new Set(['team:read']));
  });
});

describe('@requiresScopes semantics (outer list OR, inner list AND)', () => {
  const granted = (...scopes: string[]) => new Set(scopes);

  it('is satisfied by all scopes of any one inner list', () => {
    const requirement = [['bookings:read'], ['bookings:read-own', 'event-types:read']] as const;
    const req = requirement.map((inner) => [...inner]) as never;
    expect(isSatisfied(req, granted('bookings:read'))).toBe(true);
    expect(isSatisfied(req, granted('bookings:read-own', 'event-types:read'))).toBe(true);
    expect(isSatisfied(req, granted('bookings:read-own'))).toBe(false);
    expect(isSatisfied(req, granted('event-types:read'))).toBe(false);
    expect(isSatisfied(req, granted())).toBe(false);
  });

  it('requires every scope of an inner list', () => {
    expect(isSatisfied([['keys:read', 'keys:manage']], granted('keys:read'))).toBe(false);
    expect(isSatisfied([['keys:read', 'keys:manage']], granted('keys:read', 'keys:manage', 'team:read'))).toBe(true);
  });

  it('is never satisfied by an empty requirement', () => {
    expect(isSatisfied([], granted(...ALL_SCOPES))).toBe(false);
  });

  it('declares each requirement once, for both the check and the directive', () => {
    const declared = requires('bookings:read', ['bookings:read-own', 'event-types:read']);
    expect(declared.authScopes.scopes).toEqual([['bookings:read'], ['bookings:read-own', 'event-types:read']]);
    expect(declared.directives.requiresScopes.scopes).toBe(declared.authScopes.scopes);
    const open = authenticated();
    expect(open.authScopes).toEqual({ authenticated: true });
    expect(open.directives).toEqual({ authenticated: {} });
  });
});

describe('scopes a key may be given', () => {
  const fieldOf = (work: () => unknown) => {
    try {
      work();
    } catch (error) {
      const { code, details } = error as AppError;
      return { message: (error as Error).message, extensions: { code, ...details } };
    }
    throw new Error('expected a refusal');
  };

  it('refuses unknown scopes by name', () => {
    const refusal = fieldOf(() => validateScopes('SECRET', ['keys:read', 'bookings:delete', 'everything']));
    expect(refusal.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(refusal.message).toContain('"bookings:delete"');
    expect(refusal.message).toContain('"everything"');
  });

  it('refuses an empty scope list', () => {
    expect(fieldOf(() => validateScopes('SECRET', [])).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
  });

  it.each(['keys:read', 'keys:manage', 'webhooks:manage', 'audit:read', 'members:read', 'members:manage', '*', 'bookings:write', 'bookings:read'])(
    'never lets a public key hold %s',
    (scope) => {
      const refusal = fieldOf(() => validateScopes('PUBLIC', ['event-types:read', scope]));
      expect(refusal.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
      expect(refusal.message).toContain(scope);
    },
  );

  it('lets a public key hold its four scopes and a secret key anything grantable', () => {
    expect(validateScopes('PUBLIC', [...PUBLIC_KEY_SCOPES])).toEqual([...PUBLIC_KEY_SCOPES]);
    expect(validateScopes('SECRET', ['*', 'bookings:write', 'keys:manage'])).toEqual(['*', 'bookings:write', 'keys:manage']);
  });
});
