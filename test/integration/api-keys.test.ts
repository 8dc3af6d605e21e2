import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/db/schema/index.js';
import {
  createdKey,
  expectBadUserInput,
  createKey,
  expectFieldError,
  expectOk,
  expectRequestError,
  revokeKey,
  rollKey,
  updateKey,
  viewer,
} from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const DAY = 86_400_000;

describeIntegration('API key lifecycle', (harness) => {
  let org: TestOrganization;
  let liveOrg: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization('TEST');
    liveOrg = await harness.organization('LIVE');
  });

  /** Runs with the clock moved, and puts it back. */
  async function later<T>(ms: number, work: () => Promise<T>): Promise<T> {
    const start = harness.clock;
    harness.advance(ms);
    try {
      return await work();
    } finally {
      harness.clock = start;
    }
  }

  describe('creation', () => {
    it('returns the secret once, with a record that shows only a preview', async () => {
      const { secret, apiKey } = await createdKey(harness, org.adminKey, {
        name: 'Server integration',
        scopes: ['event-types:read', 'bookings:write'],
      });
      expect(secret).toMatch(/^sk_test_[0-9A-Za-z]{38}$/);
      expect(apiKey).toMatchObject({
        name: 'Server integration',
        type: 'SECRET',
        environment: 'TEST',
        preview: `${secret.slice(0, 12)}…${secret.slice(-4)}`,
        scopes: ['event-types:read', 'bookings:write'],
        allowedOrigins: [],
        status: 'ACTIVE',
        createdBy: { id: org.adminMemberId, role: 'ADMIN' },
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(new Date(apiKey.createdAt).getTime()).toBe(harness.clock.getTime());

      const listed = await harness.request('{ apiKeys { id preview } viewer { apiKey { id preview } } }', { key: secret });
      expect(JSON.stringify(listed.body)).not.toContain(secret.slice(12, -4));
    });

    it('makes the new key usable at once, with the scopes it was given (groups expanded)', async () => {
      const { secret } = await createdKey(harness, org.adminKey, { scopes: ['bookings:write', 'event-types:read'] });
      const data = expectOk(await viewer(harness, secret));
      expect(data.viewer.scopes).toEqual(
        ['bookings:cancel', 'bookings:create', 'bookings:reschedule', 'bookings:transition', 'bookings:update', 'event-types:read'],
      );
    });

    it.each([
      ['DAYS_7', 7],
      ['DAYS_30', 30],
      ['DAYS_90', 90],
    ] as const)('%s expires the key %i days after creation, to the millisecond', async (expiresIn, days) => {
      const { secret, apiKey } = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn });
      expect(new Date(apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + days * DAY);
      await later(days * DAY - 1, async () => expectOk(await viewer(harness, secret)));
      await later(days * DAY, async () => {
        expectRequestError(await viewer(harness, secret), 401, 'INVALID_API_KEY', /expired/);
        const listed = expectOk(await harness.request('{ apiKeys { id status } }', { key: org.adminKey }));
        expect(listed.apiKeys.find((key: { id: string }) => key.id === apiKey.id)?.status).toBe('EXPIRED');
      });
    });

    it('NEVER leaves the key without an expiry', async () => {
      const { secret, apiKey } = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn: 'NEVER' });
      expect(apiKey.expiresAt).toBeNull();
      await later(3650 * DAY, async () => expectOk(await viewer(harness, secret)));
    });

    it('refuses invalid input with 400 BAD_USER_INPUT naming the field', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ name: '   ', scopes: ['event-types:read'] }, 'name'],
        [{ name: 'x'.repeat(101), scopes: ['event-types:read'] }, 'name'],
        [{ scopes: [] }, 'scopes'],
        [{ scopes: ['event-types:read', 'event-types:delete'] }, 'scopes'],
        [{ scopes: ['event-types:read'], allowedOrigins: ['https://app.example.com'] }, 'allowedOrigins'],
        [{ type: 'PUBLIC', scopes: ['event-types:read'], allowedOrigins: ['https://app.example.com/path'] }, 'allowedOrigins'],
      ];
      for (const [input, field] of cases) {
        const response = await createKey(harness, org.adminKey, input as never);
        const error = expectBadUserInput(response);
        expect(error.extensions).toMatchObject({ type: 'invalid_request_error', field });
        expect(error.message.startsWith(`${field}:`)).toBe(true);
      }
    });

    it('names unknown scopes in the refusal', async () => {
      const response = await createKey(harness, org.adminKey, { scopes: ['event-types:read', 'bookings:delete'] });
      expect(expectBadUserInput(response).message).toContain('bookings:delete');
    });
  });

  describe('public keys', () => {
    it('needs at least one allowed origin for pk_live_', async () => {
      const refused = await createKey(harness, liveOrg.adminKey, { type: 'PUBLIC', environment: 'LIVE', scopes: ['event-types:read'] });
      expect(expectBadUserInput(refused).extensions.field).toBe('allowedOrigins');

      const { secret, apiKey } = await createdKey(harness, liveOrg.adminKey, {
        type: 'PUBLIC',
        environment: 'LIVE',
        scopes: ['event-types:read', 'availability:read'],
        allowedOrigins: ['https://Shop.Example.com/', 'https://*.example.org'],
      });
      expect(secret).toMatch(/^pk_live_/);
      expect(apiKey.allowedOrigins).toEqual(['https://shop.example.com', 'https://*.example.org']);
    });

    it('lets pk_test_ keys go without origins', async () => {
      const { secret } = await createdKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['bookings:create', 'bookings:read-own'] });
      expect(secret).toMatch(/^pk_test_/);
    });

    it.each(['keys:read', 'keys:manage', 'webhooks:manage', 'audit:read', '*', 'bookings:write', 'team:read'])(
      'refuses to give a public key %s',
      async (scope) => {
        const response = await createKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['event-types:read', scope] });
        const error = expectBadUserInput(response);
        expect(error.extensions.field).toBe('scopes');
        expect(error.message).toContain(scope);
      },
    );

    it('refuses to widen a public key beyond its limits by update', async () => {
      const { id } = await createdKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['event-types:read'] });
      const response = await updateKey(harness, org.adminKey, id, { scopes: ['event-types:read', 'keys:manage'] });
      expect(expectBadUserInput(response).extensions.field).toBe('scopes');
    });

    it('never lets a public key act beyond its four scopes, whatever its row says', async () => {
      const { id, secret } = await createdKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['event-types:read'] });
      await harness.db.update(apiKeys).set({ scopes: ['*'] }).where(eq(apiKeys.id, id));
      expect(expectOk(await viewer(harness, secret)).viewer.scopes).toEqual([
        'availability:read',
        'bookings:create',
        'bookings:read-own',
        'event-types:read',
      ]);
      const denied = await harness.request('{ apiKeys { id } }', { key: secret });
      expect(expectFieldError(denied, 'FORBIDDEN').extensions.requiredScopes).toEqual([['keys:read']]);
    });
  });

  describe('revocation', () => {
    it('refuses the key from the very next request on', async () => {
      const { id, secret } = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      expectOk(await viewer(harness, secret));
      const revoked = expectOk(await revokeKey(harness, org.adminKey, id)).revokeApiKey;
      expect(revoked).toMatchObject({ id, status: 'REVOKED', revokedAt: harness.clock.toISOString() });
      expectRequestError(await viewer(harness, secret), 401, 'INVALID_API_KEY', /revoked/);
    });

    it('hides revoked keys from apiKeys unless includeRevoked', async () => {
      const { id } = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      expectOk(await revokeKey(harness, org.adminKey, id));
      const hidden = expectOk(await harness.request('{ apiKeys { id } }', { key: org.adminKey }));
      expect(hidden.apiKeys.map((key: { id: string }) => key.id)).not.toContain(id);
      const shown = expectOk(await harness.request('{ apiKeys(includeRevoked: true) { id status } }', { key: org.adminKey }));
      expect(shown.apiKeys).toContainEqual({ id, status: 'REVOKED' });
    });

    it('lets a key revoke itself', async () => {
      const { id, secret } = await createdKey(harness, org.adminKey, { scopes: ['keys:manage'] });
      expectOk(await revokeKey(harness, secret, id));
      expectRequestError(await viewer(harness, secret), 401, 'INVALID_API_KEY', /revoked/);
    });
  });

  describe('roll', () => {
    it('without grace: the old secret stops at once, the new one carries the same settings and owner', async () => {
      const owner = await harness.makeKey({ organization: liveOrg, environment: 'LIVE', scopes: ['keys:manage', 'event-types:read', 'availability:read'] });
      const original = await createdKey(harness, owner.secret, {
        name: 'Checkout widget',
        type: 'PUBLIC',
        environment: 'LIVE',
        scopes: ['event-types:read', 'availability:read'],
        allowedOrigins: ['https://shop.example.com'],
        expiresIn: 'DAYS_30',
      });
      // Rolled by another admin: the key still belongs to the member who created it.
      const rolled = expectOk(await rollKey(harness, liveOrg.adminKey, original.id)).rollApiKey;
      expect(rolled.secret).toMatch(/^pk_live_/);
      expect(rolled.secret).not.toBe(original.secret);
      expect(rolled.apiKey).toMatchObject({
        name: 'Checkout widget',
        type: 'PUBLIC',
        environment: 'LIVE',
        scopes: ['event-types:read', 'availability:read'],
        allowedOrigins: ['https://shop.example.com'],
        status: 'ACTIVE',
        createdBy: { id: owner.memberId },
      });
      expect(new Date(rolled.apiKey.expiresAt).getTime()).toBe(harness.clock.getTime() + 30 * DAY);

      // A pk_live_ key is used from a page on one of its origins.
      const fromShop = (key: string) =>
        harness.request('{ viewer { apiKey { id } } }', { key, headers: { origin: 'https://shop.example.com' } });
      expectRequestError(await fromShop(original.secret), 401, 'INVALID_API_KEY', /revoked/);
      expect(expectOk(await fromShop(rolled.secret)).viewer.apiKey.id).toBe(rolled.apiKey.id);
    });

    it('with grace: both secrets work until the grace period ends, then only the new one', async () => {
      const original = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      const rolled = expectOk(await rollKey(harness, org.adminKey, original.id, 3600)).rollApiKey;

      expectOk(await viewer(harness, original.secret));
      expectOk(await viewer(harness, rolled.secret));
      await later(3600_000 - 1, async () => expectOk(await viewer(harness, original.secret)));
      await later(3600_000, async () => {
        expectRequestError(await viewer(harness, original.secret), 401, 'INVALID_API_KEY', /expired/);
        expectOk(await viewer(harness, rolled.secret));
      });
    });

    it('accepts a grace of exactly 7 days and refuses anything longer or negative', async () => {
      const original = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      for (const grace of [7 * 86_400 + 1, -1]) {
        const refused = await rollKey(harness, org.adminKey, original.id, grace);
        expect(expectBadUserInput(refused).extensions.field).toBe('expireOldKeyInSeconds');
      }
      // Refusals changed nothing.
      expectOk(await viewer(harness, original.secret));
      expectOk(await rollKey(harness, org.adminKey, original.id, 7 * 86_400));
      await later(7 * DAY - 1, async () => expectOk(await viewer(harness, original.secret)));
      await later(7 * DAY, async () => expectRequestError(await viewer(harness, original.secret), 401, 'INVALID_API_KEY'));
    });

    it('never extends the old secret past its own expiry', async () => {
      const original = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'], expiresIn: 'DAYS_7' });
      await later(6 * DAY, async () => {
        expectOk(await rollKey(harness, org.adminKey, original.id, 7 * 86_400));
      });
      await later(7 * DAY, async () => expectRequestError(await viewer(harness, original.secret), 401, 'INVALID_API_KEY', /expired/));
    });

    it('refuses to roll a revoked key', async () => {
      const original = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      expectOk(await revokeKey(harness, org.adminKey, original.id));
      expect(expectBadUserInput(await rollKey(harness, org.adminKey, original.id)).extensions.field).toBe('id');
    });
  });

  describe('update', () => {
    it('changes name, scopes and origins, effective on the next request', async () => {
      const { id, secret } = await createdKey(harness, org.adminKey, { scopes: ['event-types:read', 'keys:read'] });
      expectOk(await harness.request('{ apiKeys { id } }', { key: secret }));
      const updated = expectOk(await updateKey(harness, org.adminKey, id, { name: 'Renamed', scopes: ['event-types:read'] })).updateApiKey;
      expect(updated).toMatchObject({ id, name: 'Renamed', scopes: ['event-types:read'] });
      expectFieldError(await harness.request('{ apiKeys { id } }', { key: secret }), 'FORBIDDEN');

      const pub = await createdKey(harness, org.adminKey, { type: 'PUBLIC', scopes: ['event-types:read'] });
      const withOrigins = expectOk(await updateKey(harness, org.adminKey, pub.id, { allowedOrigins: ['http://localhost:3000/'] }));
      expect(withOrigins.updateApiKey.allowedOrigins).toEqual(['http://localhost:3000']);
    });

    it('refuses an empty update, naming the input', async () => {
      const { id } = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      expect(expectBadUserInput(await updateKey(harness, org.adminKey, id, {})).extensions.field).toBe('input');
    });

    it('refuses to take the origins of a pk_live_ key away entirely', async () => {
      const { id } = await createdKey(harness, liveOrg.adminKey, {
        type: 'PUBLIC',
        environment: 'LIVE',
        scopes: ['event-types:read'],
        allowedOrigins: ['https://shop.example.com'],
      });
      const response = await updateKey(harness, liveOrg.adminKey, id, { allowedOrigins: [] });
      expect(expectBadUserInput(response).extensions.field).toBe('allowedOrigins');
    });
  });

  describe("another organization's keys", () => {
    it('answer NOT_FOUND to every key operation and stay untouched', async () => {
      const victim = await createdKey(harness, liveOrg.adminKey, { environment: 'LIVE', scopes: ['event-types:read'] });
      const attempts = [
        await revokeKey(harness, org.adminKey, victim.id),
        await rollKey(harness, org.adminKey, victim.id),
        await updateKey(harness, org.adminKey, victim.id, { name: 'mine now' }),
      ];
      for (const response of attempts) {
        const error = expectFieldError(response, 'NOT_FOUND');
        expect(error.extensions.type).toBe('invalid_request_error');
        expect(Object.values(response.body.data ?? {})).toEqual([null]);
      }
      const listed = expectOk(await harness.request('{ apiKeys(includeRevoked: true) { id } }', { key: org.adminKey }));
      expect(listed.apiKeys.map((key: { id: string }) => key.id)).not.toContain(victim.id);
      expect(expectOk(await viewer(harness, victim.secret)).viewer.apiKey.status).toBe('ACTIVE');
    });
  });
});
