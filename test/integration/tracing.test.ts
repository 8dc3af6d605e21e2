/**
 * OpenTelemetry traces: spans for the request, its parse, validation and
 * execution (resolvers when asked), captured with the SDK's in-memory
 * exporter; and, with OTEL_EXPORTER_OTLP_ENDPOINT, sent over OTLP/HTTP to a
 * collector (a local HTTP server standing in for one).
 */
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

function inMemory() {
  const exporter = new InMemorySpanExporter();
  return { exporter, provider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) };
}

const byName = (spans: ReadableSpan[], name: string) => spans.find((span) => span.name === name);

const traced = inMemory();

describeIntegrationOnOneTier('OpenTelemetry traces', { deps: { tracerProvider: traced.provider } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });
  beforeEach(() => traced.exporter.reset());

  it("traces the request, its parse, validation and execution, continuing the caller's trace", async () => {
    const response = await harness.request('query Traced($first: Int) { viewer { scopes } eventTypes(first: $first) { nodes { id } } }', {
      key: org.adminKey,
      variables: { first: 5 },
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    expect(response.status).toBe(200);
    const spans = traced.exporter.getFinishedSpans();
    const request = byName(spans, 'POST /graphql')!;
    expect(spans.map((span) => span.name).sort()).toEqual(['POST /graphql', 'graphql.parse', 'graphql.validate', 'query.Traced']);
    for (const span of spans) expect(span.spanContext().traceId).toBe(CALLER_TRACE);
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    for (const name of ['graphql.parse', 'graphql.validate', 'query.Traced']) {
      expect(byName(spans, name)!.parentSpanContext?.spanId, name).toBe(request.spanContext().spanId);
    }
    expect(request.attributes).toMatchObject({
      'http.response.status_code': 200,
      'tessera.request_id': response.headers.get('x-request-id'),
      'tessera.api_key.id': org.adminKeyId,
      'tessera.organization.id': org.organizationId,
      'graphql.operation.name': 'Traced',
    });
    // Variables are never recorded, and no span carries the key.
    expect(byName(spans, 'query.Traced')!.attributes).not.toHaveProperty('graphql.execute.variables');
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toContain(org.adminKey);
  });

  it('starts a trace of its own without traceparent, and marks a refused request', async () => {
    const response = await harness.request('{ viewer { scopes } }', { key: 'sk_test_notAKey' });
    expect(response.status).toBe(401);
    const [request, ...others] = traced.exporter.getFinishedSpans();
    expect(others).toEqual([]); // refused before parsing: nothing else ran
    expect(request!.parentSpanContext).toBeUndefined();
    expect(request!.attributes).toMatchObject({ 'http.response.status_code': 401, 'tessera.outcome': 'INVALID_API_KEY' });
  });

  it('adds no resolver spans unless TRACE_RESOLVERS is on', async () => {
    await harness.request('{ viewer { scopes } }', { key: org.adminKey });
    expect(traced.exporter.getFinishedSpans().map((span) => span.name)).not.toContain('Query.viewer');
  });
});

describe('resolver spans (TRACE_RESOLVERS=on)', () => {
  const { exporter, provider } = inMemory();
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await TestHarness.start({ TRACE_RESOLVERS: 'on' }, { tracerProvider: provider });
  });
  afterAll(() => harness?.stop());

  it('adds a span per resolver under the execution', async () => {
    const org = await harness.organization();
    await harness.request('query WithResolvers { viewer { scopes } }', { key: org.adminKey });
    const spans = exporter.getFinishedSpans();
    const execution = byName(spans, 'query.WithResolvers')!;
    expect(byName(spans, 'Query.viewer')?.parentSpanContext?.spanId).toBe(execution.spanContext().spanId);
  });
});

describe('OTLP export (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let collector: LocalServer;
  beforeAll(async () => {
    collector = await LocalServer.start();
  });
  afterAll(() => collector?.close());

  it('sends the spans to <endpoint>/v1/traces, flushed when the app stops', async () => {
    const harness = await TestHarness.start({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url('/') });
    let requestId: string | null = null;
    try {
      const org = await harness.organization();
      requestId = (await harness.request('query Exported { viewer { scopes } }', { key: org.adminKey })).headers.get('x-request-id');
    } finally {
      await harness.stop();
    }
    const sent = collector.to('/v1/traces');
    expect(sent.length).toBeGreaterThan(0);
    const body = sent.map((request) => request.body).join('');
    for (const text of ['query.Exported', 'graphql.parse', requestId!, 'tessera']) expect(body).toContain(text);
  });
});
