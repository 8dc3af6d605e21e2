import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { OperationNames } from '../../src/pipeline/observability/operation-names.js';

const env = (extra: Record<string, string>) => ({ DATABASE_URL: 'memory://', ...extra });

describe('observability settings and labels', () => {
  it('leaves /metrics open and tracing off unless told otherwise', () => {
    expect(loadConfig(env({})).observability).toEqual({ metricsToken: null, otlpEndpoint: null, traceResolvers: false });
  });

  it('refuses a METRICS_TOKEN short enough to guess', () => {
    expect(() => loadConfig(env({ METRICS_TOKEN: 'secret' }))).toThrow(ConfigError);
    expect(loadConfig(env({ METRICS_TOKEN: 'x'.repeat(16) })).observability.metricsToken).toBe('x'.repeat(16));
  });

  it('takes an http(s) OTLP endpoint, without a trailing slash, and refuses anything else', () => {
    expect(loadConfig(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).observability.otlpEndpoint).toBe('http://collector:4318');
    expect(() => loadConfig(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }))).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('keeps client-chosen operation names from multiplying metric series', () => {
    const names = new OperationNames(2);
    expect([names.of('A'), names.of('B'), names.of('C'), names.of('A')]).toEqual(['A', 'B', '(other)', 'A']);
    expect([names.of(null), names.of('not a name'), names.of('x'.repeat(101))]).toEqual(['Anonymous', '(invalid)', '(invalid)']);
  });
});
