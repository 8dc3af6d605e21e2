import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { apiKeyUsage } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { eventually } from '../helpers/eventually.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const redisUrl = inject('redisUrl');
const binary = inject('redisServerBinary');
const VIEWER = '{ viewer { scopes } }';
// A generous Redis timeout: exactness is under test, and a starved machine can make 75 concurrent scripts slow.
const RELAXED = { RATE_LIMIT_TEST_PER_MINUTE: '1000000', ORG_CONCURRENCY_LIMIT: '100000', RETENTION_INTERVAL_MS: '0', REDIS_TIMEOUT_MS: '3000' };

const call = async (app: App, key: string) => {
  const response = await app.yoga.fetch('http://tessera.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: VIEWER }),
  });
  await response.arrayBuffer();
  return response.status;
};
const admitted = (statuses: number[]) => statuses.filter((status) => status === 200).length;

/** Two apps over one database and one Redis: two instances, in one process. */
async function twoInstances(url: string) {
  const env = { REDIS_URL: url, ...RELAXED };
  const harness = await TestHarness.start(env);
  const second = await createApp(loadConfig({ DATABASE_URL: 'memory://', ...env }), {
    database: harness.database,
    logger: createLogger('silent'),
    now: () => harness.clock,
  });
  for (const app of [harness.app, second]) expect(await app.redis!.waitUntilReady(5000)).toBe(true);
  return { harness, second, org: await harness.organization() };
}

describe.skipIf(!redisUrl)('usage limits shared through Redis', () => {
  let harness: TestHarness;
  let second: App;
  let org: TestOrganization;
  let redis: Redis;

  beforeAll(async () => {
    ({ harness, second, org } = await twoInstances(redisUrl!));
    redis = new Redis(redisUrl!);
  });
  afterAll(async () => {
    redis.disconnect();
    await second.stop();
    await harness.stop();
  });

  const ledger = async (budgetId: string) => (await harness.db.select().from(apiKeyUsage).where(eq(apiKeyUsage.budgetId, budgetId)))[0]?.used;

  it('admits exactly N of 3×N simultaneous requests spread over two instances, and writes N to the database', async () => {
    const limit = 25;
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'], usageLimit: { requests: limit } });
    const statuses = await Promise.all(Array.from({ length: 3 * limit }, (_, i) => call(i % 2 ? second : harness.app, key.secret)));
    expect(admitted(statuses)).toBe(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * limit);
    expect(await redis.get(`tessera:usage:${key.id}:lifetime`)).toBe(String(limit));
    await Promise.all([harness.app.flush(), second.flush()]);
    expect(await ledger(key.id)).toBe(limit);
  });

  it('keys a refilled budget by its period, on the injected clock', async () => {
    harness.clock = new Date('2030-05-06T12:00:00Z');
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'], usageLimit: { requests: 2, refill: { every: 'DAY', amount: 2 } } });
    expect([await call(harness.app, key.secret), await call(second, key.secret), await call(harness.app, key.secret)]).toEqual([200, 200, 429]);
    expect(await redis.get(`tessera:usage:${key.id}:2030-05-06T00:00:00.000Z`)).toBe('2');
    harness.advance(12 * 3_600_000);
    expect([await call(second, key.secret), await call(harness.app, key.secret), await call(second, key.secret)]).toEqual([200, 200, 429]);
  });

  it('counts in the database while an instance cannot reach Redis, and raises the Redis count to it on the way back', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'], usageLimit: { requests: 10 } });
    for (let i = 0; i < 4; i++) expect(await call(harness.app, key.secret)).toBe(200);
    const connection = harness.app.redis!;
    connection.client.disconnect(); // this instance alone loses Redis, which keeps its count of 4
    try {
      await eventually(() => connection.client.status === 'end', 3000, 'the connection closing');
      for (let i = 0; i < 3; i++) expect(await call(harness.app, key.secret)).toBe(200);
      // What this instance counted in Redis, then the three counted in the database itself.
      expect(await ledger(key.id)).toBe(7);
      expect(await redis.get(`tessera:usage:${key.id}:lifetime`)).toBe('4');
    } finally {
      if (connection.client.status === 'end') await connection.client.connect();
    }
    await eventually(() => connection.ready, 5000, 'Redis reconnecting');
    const rest = [];
    for (let i = 0; i < 4; i++) rest.push(await call(harness.app, key.secret));
    expect(rest).toEqual([200, 200, 200, 429]);
    expect(await redis.get(`tessera:usage:${key.id}:lifetime`)).toBe('10');
  });
});

describe.skipIf(!binary)('usage limits when Redis goes away', () => {
  let server: RedisServer;
  let harness: TestHarness;
  let second: App;
  let org: TestOrganization;

  beforeAll(async () => {
    // A Redis of this suite's own, so killing it disturbs no one else.
    server = await startRedisServer(binary!);
    ({ harness, second, org } = await twoInstances(server.url));
  });
  afterAll(async () => {
    await second?.stop();
    await harness?.stop();
    await server?.stop();
  });

  it('stays exact across both instances by counting in the database, and starts again from it when Redis is back empty', async () => {
    const limit = 12;
    const key = await harness.makeKey({ organization: org, scopes: ['keys:read'], usageLimit: { requests: limit } });
    const before = [await call(harness.app, key.secret), await call(second, key.secret)];
    expect(before).toEqual([200, 200]);

    // Written down (as every second), so the database holds what Redis is about to lose.
    await Promise.all([harness.app.flush(), second.flush()]);
    await server.stop(); // SIGKILL: its counts are gone
    await eventually(() => !harness.app.redis!.ready && !second.redis!.ready, 3000, 'both instances noticing');
    const during = await Promise.all(Array.from({ length: 3 * limit }, (_, i) => call(i % 2 ? second : harness.app, key.secret)));
    expect(admitted(during)).toBe(limit - 2);

    server = await startRedisServer(binary!, server.port);
    await eventually(() => harness.app.redis!.ready && second.redis!.ready, 5000, 'both instances reconnecting');
    expect([await call(harness.app, key.secret), await call(second, key.secret)]).toEqual([429, 429]);

    const fresh = await harness.makeKey({ organization: org, scopes: ['keys:read'], usageLimit: { requests: 3 } });
    const statuses = await Promise.all(Array.from({ length: 9 }, (_, i) => call(i % 2 ? second : harness.app, fresh.secret)));
    expect(admitted(statuses)).toBe(3);
  });
});
