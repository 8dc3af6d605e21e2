import { eq } from 'drizzle-orm';
import { createSchema, createYoga } from 'graphql-yoga';
import { beforeAll, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema/index.js';
import { addressRanges } from '../../src/lib/address-ranges.js';
import { createLogger } from '../../src/lib/logger.js';
import { RefusalLog } from '../../src/modules/audit/refusal-log.js';
import { DatabaseAvailability } from '../../src/db/availability.js';
import { ServiceMetrics } from '../../src/pipeline/observability/metrics.js';
import { OperationAudit } from '../../src/pipeline/operation-audit.js';
import { requestPipeline } from '../../src/pipeline/request-pipeline.js';
import type { TestOrganization } from '../helpers/harness.js';
import { accessLines, captureLogs } from '../helpers/captured-logs.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

/** Server-sent events as Yoga writes them: `event: next` + `data: {...}` blocks, then `event: complete`. */
function sseEvents(text: string): Array<{ event: string; data?: unknown }> {
  return text
    .split('\n\n')
    // Blocks of only `:` lines are keep-alive comments.
    .filter((block) => block.split('\n').some((line) => line.trim() && !line.startsWith(':')))
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.+)$/m.exec(block)?.[1];
      return { event, data: data ? JSON.parse(data) : undefined };
    });
}

describeIntegrationOnOneTier(`the request pipeline, whatever carries the operation`, { env: { RATE_LIMIT_TEST_PER_MINUTE: '1000' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  const held = () => harness.app.guard.concurrency.heldLocally(org.organizationId);
  const auditOf = async (operationName: string) => {
    await harness.app.flush();
    return harness.db.select().from(auditEvents).where(eq(auditEvents.operationName, operationName));
  };

  it('authenticates, limits and audits a query answered as server-sent events, and gives its slot back', async () => {
    const response = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${org.adminKey}` },
      body: JSON.stringify({ query: 'query OverSse { viewer { organization { id } } }' }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000');
    const events = sseEvents(await response.text());
    expect(events[0]).toMatchObject({ event: 'next', data: { data: { viewer: { organization: { id: org.organizationId } } } } });
    expect(held()).toBe(0);
    expect(await auditOf('OverSse')).toEqual([expect.objectContaining({ action: 'graphql.query', outcome: 'ok', apiKeyId: org.adminKeyId })]);
  });

  it('refuses a server-sent-events request without a valid key before running anything', async () => {
    const response = await harness.app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'query Anonymous { viewer { scopes } }' }),
    });
    const text = await response.text();
    expect(text).toContain('UNAUTHORIZED');
    expect(text).not.toContain('"viewer"');
  });

  it('holds the slot for as long as a subscription streams, then releases it and writes one audit record and one access log line', async () => {
    const logs = captureLogs('info');
    const metrics = new ServiceMetrics({
      auditLog: harness.app.auditLog,
      keyCache: harness.app.keyCache,
      databaseDown: () => false,
      webhookBacklog: async () => ({ pending: 0, oldestDueAt: null }),
      now: () => harness.clock,
    });
    // A schema with a subscription, served through the app's own pipeline stages.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { ok: Boolean } type Subscription { ticks: Int }',
        resolvers: {
          Subscription: {
            ticks: {
              subscribe: async function* () {
                yield { ticks: 1 };
                await gate;
                yield { ticks: 2 };
              },
            },
          },
        },
      }),
      plugins: requestPipeline({
        operations: {
          proxies: { trustProxy: false, trustedProxies: addressRanges([]) },
          keys: harness.app.keyCache,
          guard: harness.app.guard,
          now: () => harness.clock,
          execution: { timeoutMs: 10_000, hostDays: 3100 },
          audit: new OperationAudit(harness.app.auditLog, new RefusalLog(harness.db, createLogger('silent'), () => harness.clock), () => harness.clock),
          lastUsed: harness.app.lastUsed,
        },
        origins: harness.app.origins,
        documents: harness.app.trustedDocuments,
        maxBodyBytes: 65_536,
        queryLimits: { maxDepth: 10, maxAliases: 10, maxTokens: 1000, maxDirectives: 10, maxCost: 1000 },
        compiledExecution: true,
        health: { probe: async () => {} },
        availability: new DatabaseAvailability(async () => {}, createLogger('silent')),
        observability: { logger: logs.logger, metrics, metricsToken: null, tracing: null },
      }),
    });
    const response = await yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${org.adminKey}` },
      body: JSON.stringify({ query: 'subscription Ticks { ticks }' }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"ticks":1')) text += decoder.decode((await reader.read()).value);
    expect(held()).toBe(1);
    expect(await auditOf('Ticks')).toEqual([]);
    // Still streaming: the request is not over, so it has no line yet.
    expect(accessLines(logs.lines)).toEqual([]);

    release();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
    expect(sseEvents(text).map((event) => event.event)).toEqual(['next', 'next', 'complete']);
    expect(held()).toBe(0);
    const requestId = response.headers.get('x-request-id');
    expect(await auditOf('Ticks')).toEqual([
      expect.objectContaining({ action: 'graphql.subscription', outcome: 'ok', apiKeyId: org.adminKeyId, requestId }),
    ]);
    expect(accessLines(logs.lines)).toEqual([
      expect.objectContaining({ requestId, status: 200, outcome: 'ok', operationType: 'subscription', operationName: 'Ticks', keyId: org.adminKeyId }),
    ]);
  });
});
