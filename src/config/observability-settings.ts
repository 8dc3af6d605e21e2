/**
 * What operators watch the service with: the Prometheus endpoint's token and
 * OpenTelemetry tracing. Declared as in src/config/settings.ts; prose and the
 * list of series are in docs/operations.md.
 */
import { custom, flag } from './setting.js';

/** Shorter than this, a token is a password someone could guess. */
const MIN_TOKEN_LENGTH = 16;

export const OBSERVABILITY_SETTINGS = {
  metricsToken: custom<string | null>({
    variable: 'METRICS_TOKEN',
    accepts: `at least ${MIN_TOKEN_LENGTH} characters`,
    shownDefault: null,
    description:
      '`/metrics` (Prometheus) then asks for `Authorization: Bearer <token>` and answers 401 without it. Unset, `/metrics` is open: keep the port private (docs/operations.md, Metrics).',
    parse(token, refuse) {
      if (token.trim().length < MIN_TOKEN_LENGTH) refuse(`expected at least ${MIN_TOKEN_LENGTH} characters (\`openssl rand -hex 32\`)`);
      return token.trim();
    },
    unset: () => null,
  }),
  otlpEndpoint: custom<string | null>({
    variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    accepts: '`http://…` or `https://…`',
    shownDefault: null,
    description:
      'Turns OpenTelemetry tracing on: spans for each request, its parse, validation and execution are sent over OTLP/HTTP to `<endpoint>/v1/traces`. The other standard `OTEL_*` variables (service name, headers) apply too. Unset: no spans are made.',
    parse(url, refuse) {
      if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url)) refuse('expected an http:// or https:// URL, such as http://localhost:4318');
      return url.replace(/\/+$/, '');
    },
    unset: () => null,
  }),
  traceResolvers: flag({
    variable: 'TRACE_RESOLVERS',
    words: ['on', 'off'],
    default: false,
    description: 'With tracing on: a span for every resolver too. Costly on large results; for a while, not for always.',
  }),
} as const;
