/**
 * audit_events is partitioned by month; the retention job keeps the coming
 * months ready and drops the expired ones. Each test works in its own years,
 * in the order of its clocks, so the months one test makes or drops are
 * never another's.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { newId } from '../../src/lib/random.js';
import { auditPartitionMonths } from '../../src/modules/audit/audit-partitions.js';
import { RetentionJob } from '../../src/modules/retention/retention.js';
import { expectOk } from '../helpers/api-keys.js';
import type { GraphQLResponse, TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const at = (iso: string) => new Date(iso);

describeIntegration('audit partitions', (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  async function runAt(iso: string) {
    harness.clock = at(iso);
    const report = await harness.app.retention.runOnce();
    if (!report.ran || !report.audit) throw new Error(`the retention run did not run its audit step: ${JSON.stringify(report)}`);
    return report.audit;
  }

  async function record(createdAt: Date, apiKeyId: string | null = null): Promise<string> {
    const id = newId('evt');
    await harness.db.insert(auditEvents).values({ id, organizationId: org.organizationId, environment: 'TEST', apiKeyId, action: 'graphql.query', outcome: 'ok', createdAt });
    return id;
  }

  async function partitionOf(id: string): Promise<string | undefined> {
    const [row] = await harness.database.query<{ partition: string }>(`select tableoid::regclass::text as partition from audit_events where id = '${id}'`);
    return row?.partition;
  }

  const monthNames = async () => (await auditPartitionMonths(harness.database)).map((start) => start.toISOString().slice(0, 7));

  it('keeps this month and the next two ready, and makes nothing twice', async () => {
    const made = await runAt('2029-01-20T08:00:00Z');
    expect(made.created).toEqual(['audit_events_2029_01', 'audit_events_2029_02', 'audit_events_2029_03']);
    expect(await monthNames()).toEqual(expect.arrayContaining(['2029-01', '2029-02', '2029-03']));
    expect((await runAt('2029-01-31T23:00:00Z')).created).toEqual([]);
    expect((await runAt('2029-02-01T00:00:00Z')).created).toEqual(['audit_events_2029_04']);
  });

  it('writes a record outside every month to the default partition instead of failing', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    harness.clock = at('2100-01-01T00:00:00Z');
    expectOk(await harness.request('query FarFuture { viewer { scopes } }', { key: key.secret }));
    await harness.app.flush();
    const [future] = await harness.db.select().from(auditEvents).where(eq(auditEvents.operationName, 'FarFuture'));
    expect(await partitionOf(future!.id)).toBe('audit_events_default');
    expect(await partitionOf(await record(at('1990-06-01T00:00:00Z')))).toBe('audit_events_default');
  });

  it('drops a month once all of it is past AUDIT_RETENTION_DAYS and keeps the months still within it', async () => {
    expect((await runAt('2030-03-10T00:00:00Z')).created).toEqual(['audit_events_2030_03', 'audit_events_2030_04', 'audit_events_2030_05']);
    const march = await record(at('2030-03-20T00:00:00Z'));
    const april = await record(at('2030-04-20T00:00:00Z'));
    // Older than the retention (400 days before 2031-06-15 is 2030-05-11), but its month is not all past yet.
    const earlyMay = await record(at('2030-05-02T00:00:00Z'));

    const run = await runAt('2031-06-15T12:00:00Z');
    expect(run.dropped).toEqual(expect.arrayContaining(['audit_events_2030_03', 'audit_events_2030_04']));
    expect(run.dropped).not.toContain('audit_events_2030_05');
    expect(await monthNames()).not.toEqual(expect.arrayContaining(['2030-03']));
    expect(await monthNames()).toEqual(expect.arrayContaining(['2030-05', '2031-06', '2031-07', '2031-08']));
    expect(await partitionOf(march)).toBeUndefined();
    expect(await partitionOf(april)).toBeUndefined();
    expect(await partitionOf(earlyMay)).toBe('audit_events_2030_05');
  });

  it('deletes expired records from the default partition in batches and keeps the rest', async () => {
    const expired = await Promise.all(Array.from({ length: 12 }, (_, i) => record(at(`1991-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`))));
    const future = await record(at('2101-01-01T00:00:00Z'));
    harness.clock = at('2031-06-20T00:00:00Z');
    const job = new RetentionJob(
      harness.database,
      { intervalMs: 0, auditDays: 400, webhookDays: 30, batchSize: 5 },
      { now: () => harness.clock, logger: createLogger('silent') },
    );
    const report = await job.runOnce();
    expect(report.ran && report.audit?.deletedFromDefault).toBeGreaterThanOrEqual(12);
    for (const id of expired) expect(await partitionOf(id)).toBeUndefined();
    expect(await partitionOf(future)).toBe('audit_events_default');
    const [left] = await harness.database.query<{ count: number }>(
      `select count(*)::int as count from audit_events_default where created_at < '2030-05-16T00:00:00Z'`,
    );
    expect(Number(left!.count)).toBe(0);
  });

  it('moves records waiting in the default partition into their month when it is made', async () => {
    const early = await record(at('2033-02-10T09:00:00Z'));
    expect(await partitionOf(early)).toBe('audit_events_default');
    expect((await runAt('2033-02-10T10:00:00Z')).created).toContain('audit_events_2033_02');
    expect(await partitionOf(early)).toBe('audit_events_2033_02');
  });

  it('lists and pages audit records newest first across months and the default partition', async () => {
    await runAt('2034-01-15T00:00:00Z');
    const key = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const times = [
      '2034-01-20T00:00:00.000Z',
      '2034-01-31T23:59:59.999Z',
      '2034-02-01T00:00:00.000Z',
      '2034-02-15T00:00:00.000Z',
      '2034-02-15T00:00:00.000Z',
      '2034-03-10T00:00:00.000Z',
      '2034-05-05T00:00:00.000Z', // no month made yet: the default partition
    ];
    const ids = [];
    for (const time of times) ids.push(await record(at(time), key.id));
    expect(await partitionOf(ids[6]!)).toBe('audit_events_default');

    const seen: Array<{ id: string; createdAt: string }> = [];
    let after: string | null = null;
    do {
      const response: GraphQLResponse = await harness.request(
        `query($key: ID, $after: String) { auditEvents(apiKeyId: $key, first: 2, after: $after) {
          nodes { id createdAt } pageInfo { hasNextPage endCursor } } }`,
        { key: org.adminKey, variables: { key: key.id, after } },
      );
      const page = expectOk(response).auditEvents;
      seen.push(...page.nodes);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);

    expect(seen.map((node) => node.createdAt)).toEqual([...times].reverse());
    expect(new Set(seen.map((node) => node.id))).toEqual(new Set(ids));
  });

  it('runs once at start when RETENTION_INTERVAL_MS is set, and stop waits for that run', async () => {
    harness.clock = at('2036-05-01T00:00:00Z');
    const job = new RetentionJob(
      harness.database,
      { intervalMs: 3_600_000, auditDays: 400, webhookDays: 30 },
      { now: () => harness.clock, logger: createLogger('silent') },
    );
    job.start();
    await job.stop();
    expect(await monthNames()).toEqual(expect.arrayContaining(['2036-05', '2036-06', '2036-07']));
  });
});
