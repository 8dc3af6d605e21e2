/**
 * /metrics as Prometheus scrapes it: the series named as Yoga's plugin names them (operations,
 * durations, errors by code) and ours (requests by outcome, refusals by limit,
 * failed authentications by reason, the audit buffer, the key cache, the
 * database, the webhook queue), after real requests through the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries, webhookEvents, webhooks } from '../../src/db/schema/index.js';
import { revokeKey } from '../helpers/api-keys.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample, by its exact series text; undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(harness: TestHarness, headers: Record<string, string> = {}) {
  const response = await harness.app.yoga.fetch('http://tessera.test/metrics', { headers });
  return { response, text: await response.text() };
}

// No webhook worker: a delivery it claimed would no longer be due, and the queue's lag is what this suite reads.
describeIntegration('Prometheus metrics at /metrics', { env: { RATE_LIMIT_TEST_PER_MINUTE: '4', WEBHOOK_POLL_INTERVAL_MS: '0' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  const viewerQuery = (key: string) => harness.request('query Viewer { viewer { scopes } }', { key });

  it('counts operations by name, type and outcome, with their durations', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    for (let i = 0; i < 2; i++) expect((await viewerQuery(key.secret)).status).toBe(200);
    const denied = await harness.request('query Audit { viewer { scopes } auditEvents(first: 1) { nodes { id } } }', { key: key.secret });
    expect(denied.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');

    const { response, text } = await scrape(harness);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(sample(text, 'tessera_requests_total{operation_type="query",operation_name="Viewer",outcome="ok"}')).toBe(2);
    expect(sample(text, 'tessera_requests_total{operation_type="query",operation_name="Audit",outcome="FORBIDDEN"}')).toBe(1);
    expect(sample(text, 'graphql_envelop_request_duration_count{operationName="Viewer",operationType="query"}')).toBe(2);
    expect(sample(text, 'graphql_yoga_http_duration_count{operationName="Viewer",operationType="query",method="POST",statusCode="200"}')).toBe(2);
    expect(sample(text, 'graphql_envelop_error_result{operationName="Audit",operationType="query",phase="execute",code="FORBIDDEN"}')).toBe(1);
    // Left out for their cost per request: a second operation counter, and phases that hit caches or repeat the duration.
    for (const dropped of ['graphql_envelop_request{', 'graphql_envelop_phase_parse', 'graphql_envelop_phase_validate', 'graphql_envelop_phase_execute']) {
      expect(text).not.toContain(dropped);
    }
    // The process's own series ride along.
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('counts a 429 as a key rate limit refusal, and a syntax error by its code', async () => {
    const key = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await viewerQuery(key.secret)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    // A refusal before the document was read is timed too, with what was known of it.
    const refused = 'graphql_yoga_http_duration_count{operationName="Anonymous",operationType="unknown",method="POST",statusCode="429"}';
    expect(sample((await scrape(harness)).text, refused)).toBe(1);
    expect((await harness.request('query Broken {', { key: org.adminKey })).body.errors?.[0]?.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await harness.request('query Invalid { noSuchField }', { key: org.adminKey })).body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const { text } = await scrape(harness);
    expect(sample(text, 'tessera_limit_refusals_total{kind="key_rate_limit"}')).toBe(1);
    expect(sample(text, 'tessera_limit_refusals_total{kind="concurrency"}')).toBe(0);
    expect(sample(text, 'tessera_requests_total{operation_type="unknown",operation_name="Anonymous",outcome="RATE_LIMITED"}')).toBe(1);
    expect(sample(text, 'graphql_envelop_error_result{operationName="Anonymous",operationType="unknown",phase="parse",code="GRAPHQL_PARSE_FAILED"}')).toBe(1);
    expect(sample(text, 'graphql_envelop_error_result{operationName="Invalid",operationType="query",phase="validate",code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    // An operation that never ran has no execution to time.
    expect(text).not.toContain('graphql_envelop_request_duration_count{operationName="Invalid"');
  });

  it('counts failed authentications by reason', async () => {
    const revoked = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    await revokeKey(harness, org.adminKey, revoked.id);
    const damaged = `${org.adminKey.slice(0, -1)}${org.adminKey.endsWith('a') ? 'b' : 'a'}`;
    for (const key of [null, 'not-a-key', damaged, revoked.secret]) expect((await viewerQuery(key as string)).status).toBe(401);

    const { text } = await scrape(harness);
    for (const reason of ['no_key', 'malformed', 'checksum', 'revoked']) {
      expect(sample(text, `tessera_auth_failures_total{reason="${reason}"}`), reason).toBe(1);
    }
    expect(sample(text, 'tessera_auth_failures_total{reason="expired"}')).toBe(0);
  });

  it('reports the database, the audit buffer, the key cache and the webhook queue as they are at the scrape', async () => {
    let { text } = await scrape(harness);
    expect(sample(text, 'tessera_database_up')).toBe(1);
    expect(sample(text, 'tessera_audit_buffered_records')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'tessera_audit_dropped_records_total')).toBe(0);
    expect(sample(text, 'tessera_key_cache_lookups_total{result="hit"}')).toBeGreaterThan(0);
    expect(sample(text, 'tessera_key_cache_lookups_total{result="miss"}')).toBeGreaterThan(0);
    expect(sample(text, 'tessera_webhook_deliveries_pending')).toBe(0);
    expect(sample(text, 'tessera_webhook_delivery_lag_seconds')).toBe(0);

    // One delivery due 30 s ago that no worker has taken.
    const tenant = { organizationId: org.organizationId, environment: 'TEST' as const };
    const due = new Date(harness.clock.getTime() - 30_000);
    await harness.db.insert(webhooks).values({ id: 'wh_metrics', ...tenant, url: 'https://example.com/hook', events: ['booking.created'], secretSealed: 'x' });
    await harness.db.insert(webhookEvents).values({ id: 'whevt_metrics', ...tenant, type: 'booking.created', data: {}, createdAt: due });
    await harness.db
      .insert(webhookDeliveries)
      .values({ id: 'whdel_metrics', ...tenant, webhookId: 'wh_metrics', eventId: 'whevt_metrics', status: 'PENDING', nextAttemptAt: due, createdAt: due });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the one-second reuse of the last read
    ({ text } = await scrape(harness));
    expect(sample(text, 'tessera_webhook_deliveries_pending')).toBe(1);
    expect(sample(text, 'tessera_webhook_delivery_lag_seconds')).toBe(30);

    // A paused webhook's queue waits for an admin's review, not for the worker: counted, but no lag.
    await harness.database.query(`update webhooks set paused_at = now(), pause_reason = 'SUBSCRIBER_DEACTIVATED' where id = 'wh_metrics'`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    ({ text } = await scrape(harness));
    expect(sample(text, 'tessera_webhook_deliveries_pending')).toBe(1);
    expect(sample(text, 'tessera_webhook_delivery_lag_seconds')).toBe(0);
  });

  it('counts every use of a deprecated field, though each document is examined for them only once', async () => {
    const deprecated = 'query OldClient { webhook(id: "wh_none") { deliveries(first: 1) { nodes { responseStatus } } } }';
    const key = await harness.makeKey({ organization: org, scopes: ['webhooks:read'] });
    for (let i = 0; i < 3; i++) expect((await harness.request(deprecated, { key: key.secret })).status).toBe(200);
    const { text } = await scrape(harness);
    expect(
      sample(text, 'graphql_envelop_deprecated_field{operationName="OldClient",operationType="query",fieldName="responseStatus",typeName="WebhookDelivery"}'),
    ).toBe(3);
  });

  it('names no organization and no key in any series', async () => {
    const { text } = await scrape(harness);
    expect(text).not.toContain(org.organizationId);
    expect(text).not.toContain(org.adminKeyId);
    expect(text).not.toMatch(/sk_test_/);
  });

  it('is open without METRICS_TOKEN, and answers GET and HEAD only', async () => {
    const post = await harness.app.yoga.fetch('http://tessera.test/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect((await post.json()).errors[0].extensions).toMatchObject({ code: 'METHOD_NOT_ALLOWED', requestId: post.headers.get('x-request-id') });
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await TestHarness.start({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => harness?.stop());

  it.each([
    ['no Authorization header', {}],
    ['a wrong token of the same length', { authorization: `Bearer ${TOKEN.replace(/.$/, 'x')}` }],
    ['a shorter token', { authorization: 'Bearer metrics' }],
    ['the token without Bearer', { authorization: TOKEN }],
  ])('answers 401 to %s, with its request id', async (_label, headers) => {
    const { response, text } = await scrape(harness, headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const [error] = JSON.parse(text).errors;
    expect(error.extensions).toMatchObject({ code: 'UNAUTHORIZED', requestId: response.headers.get('x-request-id') });
    expect(text).not.toContain('tessera_');
  });

  it('answers the series to the token', async () => {
    const { response, text } = await scrape(harness, { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(text).toContain('tessera_database_up 1');
  });

  it('does not take an API key for the token', async () => {
    const org = await harness.organization();
    expect((await scrape(harness, { authorization: `Bearer ${org.adminKey}` })).response.status).toBe(401);
  });
});
