import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { apiKeyUsage } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { createKey, expectBadUserInput, expectOk, expectRequestError, rollKey } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const VIEWER = '{ viewer { scopes } }';
const USAGE = '{ viewer { apiKey { usage { limit remaining refillsAt } } } }';
const CREATE = `mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { secret apiKey { id usage { limit remaining refillsAt } } }
}`;

type UsageLimit = { requests: number; refill?: { every: 'DAY' | 'WEEK' | 'MONTH'; amount: number } };

describeIntegration('usage-limited keys', (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  const create = async (usageLimit: UsageLimit | null, scopes = ['event-types:read']) => {
    const response = await harness.request(CREATE, {
      key: org.adminKey,
      variables: { input: { name: 'trial', type: 'SECRET', environment: 'TEST', expiresIn: 'NEVER', scopes, usageLimit } },
    });
    const { secret, apiKey } = expectOk(response).createApiKey;
    return { id: apiKey.id as string, secret: secret as string, usage: apiKey.usage };
  };
  const spend = async (key: string, times: number) => {
    for (let i = 0; i < times; i++) expect((await harness.request(VIEWER, { key })).status).toBe(200);
  };
  /** Runs with the clock at `at`, and puts it back. */
  const at = async (iso: string, body: () => Promise<void>) => {
    const before = harness.clock;
    harness.clock = new Date(iso);
    try {
      await body();
    } finally {
      harness.clock = before;
    }
  };

  it('admits exactly N of 3×N simultaneous requests', async () => {
    const limit = 20;
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'], usageLimit: { requests: limit } });
    const responses = await Promise.all(Array.from({ length: 3 * limit }, () => harness.request(VIEWER, { key: key.secret })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * limit);
    const codes = new Set(responses.filter((response) => response.status === 429).map((response) => response.body.errors?.[0]?.extensions.code));
    expect([...codes]).toEqual(['USAGE_EXHAUSTED']);
    // Only admitted requests are spent, and the count reaches the database.
    await harness.app.flush();
    const [row] = await harness.db.select().from(apiKeyUsage).where(eq(apiKeyUsage.budgetId, key.id));
    expect(row).toMatchObject({ used: limit, periodStart: null, organizationId: org.organizationId });
  });

  it('answers 429 USAGE_EXHAUSTED, with no Retry-After, once a budget without refill is spent', async () => {
    const key = await create({ requests: 2 });
    expect(key.usage).toEqual({ limit: 2, remaining: 2, refillsAt: null });
    await spend(key.secret, 2);
    const refused = await harness.request(VIEWER, { key: key.secret });
    const error = expectRequestError(refused, 429, 'USAGE_EXHAUSTED', /used all 2 requests of its usage limit; it is not refilled/);
    expect(error.extensions.type).toBe('rate_limit_error');
    expect(error.extensions).not.toHaveProperty('retryAfter');
    expect(refused.headers.get('retry-after')).toBeNull();
    // The request limit's headers still describe that budget.
    expect(refused.headers.get('x-ratelimit-limit')).not.toBeNull();
  });

  it('shows limit, remaining and refillsAt on ApiKey.usage, to the key itself too; null for an unlimited key', async () => {
    await at('2030-03-14T10:00:00Z', async () => {
      const key = await create({ requests: 5, refill: { every: 'WEEK', amount: 7 } });
      expect(key.usage).toEqual({ limit: 5, remaining: 5, refillsAt: '2030-03-18T00:00:00.000Z' });
      // The request reading it was spent first.
      expect(expectOk(await harness.request(USAGE, { key: key.secret })).viewer.apiKey.usage).toEqual({
        limit: 5,
        remaining: 4,
        refillsAt: '2030-03-18T00:00:00.000Z',
      });
      const listed = expectOk(await harness.request('{ apiKeys { id usage { remaining } } }', { key: org.adminKey })).apiKeys;
      expect(listed.find((entry: { id: string }) => entry.id === key.id).usage).toEqual({ remaining: 4 });
      expect(listed.find((entry: { id: string }) => entry.id === org.adminKeyId).usage).toBeNull();
      expect((await create(null)).usage).toBeNull();
    });
  });

  it('refills at the start of the next period, answering Retry-After until then', async () => {
    await at('2030-01-07T22:00:00Z', async () => {
      const key = await create({ requests: 2, refill: { every: 'DAY', amount: 3 } });
      await spend(key.secret, 2);
      const refused = await harness.request(VIEWER, { key: key.secret });
      const error = expectRequestError(refused, 429, 'USAGE_EXHAUSTED', /it is refilled at 2030-01-08T00:00:00.000Z: retry in 7200 s/);
      expect(error.extensions).toMatchObject({ retryAfter: 7200, refillsAt: '2030-01-08T00:00:00.000Z' });
      expect(refused.headers.get('retry-after')).toBe('7200');

      harness.advance(2 * 3_600_000);
      expect(expectOk(await harness.request(USAGE, { key: key.secret })).viewer.apiKey.usage).toEqual({
        limit: 3,
        remaining: 2,
        refillsAt: '2030-01-09T00:00:00.000Z',
      });
      await spend(key.secret, 2);
      const again = await harness.request(VIEWER, { key: key.secret });
      expectRequestError(again, 429, 'USAGE_EXHAUSTED');
      expect(again.headers.get('retry-after')).toBe('86400');
      // The database holds the new period's count in place of the old one's.
      await harness.app.flush();
      const [row] = await harness.db.select().from(apiKeyUsage).where(eq(apiKeyUsage.budgetId, key.id));
      expect(row).toMatchObject({ periodStart: new Date('2030-01-08T00:00:00Z'), used: 3 });
    });
  });

  it('counts monthly periods by the calendar month', async () => {
    await at('2030-01-31T23:59:00Z', async () => {
      const key = await create({ requests: 1, refill: { every: 'MONTH', amount: 1 } });
      await spend(key.secret, 1);
      expectRequestError(await harness.request(VIEWER, { key: key.secret }), 429, 'USAGE_EXHAUSTED', /retry in 60 s/);
      harness.advance(60_000);
      await spend(key.secret, 1);
      const refused = await harness.request(VIEWER, { key: key.secret });
      expect(refused.body.errors?.[0]?.extensions.refillsAt).toBe('2030-03-01T00:00:00.000Z');
    });
  });

  it('does not spend the budget on a request the request limit refuses', async () => {
    const key = await create({ requests: 5 });
    const limited = await harness.request(
      `mutation { setApiKeyRateLimit(id: "${key.id}", limit: { requests: 1, windowSeconds: 3600 }) { id } }`,
      { key: org.adminKey },
    );
    expectOk(limited);
    await spend(key.secret, 1);
    expectRequestError(await harness.request(VIEWER, { key: key.secret }), 429, 'RATE_LIMITED');
    const listed = expectOk(await harness.request('{ apiKeys { id usage { remaining } } }', { key: org.adminKey })).apiKeys;
    expect(listed.find((entry: { id: string }) => entry.id === key.id).usage).toEqual({ remaining: 4 });
  });

  it('keeps the usage limit and what is left through a roll; during the grace period both secrets spend one budget', async () => {
    const old = await create({ requests: 5, refill: { every: 'DAY', amount: 5 } });
    await spend(old.secret, 2);
    const rolled = await rollKey(harness, org.adminKey, old.id, 3600);
    const successor = expectOk(rolled).rollApiKey;
    const read = await harness.request(`{ apiKeys { id usage { limit remaining } } }`, { key: org.adminKey });
    const shown = expectOk(read).apiKeys.find((entry: { id: string }) => entry.id === successor.apiKey.id);
    expect(shown.usage).toEqual({ limit: 5, remaining: 3 });
    await spend(successor.secret, 2);
    await spend(old.secret, 1);
    expectRequestError(await harness.request(VIEWER, { key: successor.secret }), 429, 'USAGE_EXHAUSTED');
    expectRequestError(await harness.request(VIEWER, { key: old.secret }), 429, 'USAGE_EXHAUSTED');
  });

  it('keeps counting where it was after a restart: the count is written to the database', async () => {
    const key = await create({ requests: 5 });
    await spend(key.secret, 3);
    await harness.app.flush();
    // A fresh instance over the same database: nothing in its memory.
    const settings = { DATABASE_URL: 'memory://', RATE_LIMIT_TEST_PER_MINUTE: '1000000', ORG_CONCURRENCY_LIMIT: '100000', RETENTION_INTERVAL_MS: '0' };
    const restarted = await createApp(loadConfig(settings), {
      database: harness.database,
      logger: createLogger('silent'),
      now: () => harness.clock,
    });
    try {
      const ask = async () =>
        (
          await restarted.yoga.fetch('http://tessera.test/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
            body: JSON.stringify({ query: VIEWER }),
          })
        ).status;
      expect([await ask(), await ask(), await ask()]).toEqual([200, 200, 429]);
    } finally {
      await restarted.stop();
    }
  });

  it.each([
    [{ requests: 0 }, 'usageLimit.requests'],
    [{ requests: 1_000_000_001 }, 'usageLimit.requests'],
    [{ requests: 10, refill: { every: 'DAY', amount: 0 } }, 'usageLimit.refill.amount'],
  ] satisfies Array<[UsageLimit, string]>)('refuses a usage limit of %j, naming %s', async (usageLimit, field) => {
    const response = await createKey(harness, org.adminKey, { scopes: ['event-types:read'], usageLimit });
    expectBadUserInput(response, field);
  });
});
