import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryBacklog } from '../../modules/webhooks/delivery-backlog.js';
import { OperationNames } from './operation-names.js';

/** What the service's own series read when Prometheus scrapes: counts the parts keep anyway, nothing added to their hot paths. */
export type MetricSources = {
  auditLog: { readonly buffered: number; readonly dropped: number };
  keyCache: { readonly hits: number; readonly misses: number };
  databaseDown(): boolean;
  webhookBacklog(): Promise<DeliveryBacklog>;
  now(): Date;
};

/** The limits that refuse, by the error code each refuses with. */
export const LIMIT_KINDS: Record<string, string> = {
  RATE_LIMITED: 'key_rate_limit',
  CONCURRENCY_LIMITED: 'concurrency',
  AUTHENTICATION_THROTTLED: 'auth_failure_throttle',
  FIELD_RATE_LIMITED: 'field_rate_limit',
  BOOKING_LIMIT_REACHED: 'public_booking_quota',
  QUERY_TOO_COMPLEX: 'query_limits',
  PAYLOAD_TOO_LARGE: 'body_size',
};

export const AUTH_FAILURE_REASONS = [
  'no_key',
  'malformed',
  'checksum',
  'unknown',
  'revoked',
  'expired',
  'owner-inactive',
  'recipient-inactive',
  'owner-deleted',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/**
 * The service's series, on one registry per app (so tests can run several).
 * Counters of requests, refusals and failed authentications, and the series
 * named as Yoga's Prometheus plugin names them (durations, errors by code,
 * deprecated fields), are counted by the pipeline as it answers, where the
 * operation's labels are already known; the rest is read from the parts at
 * scrape time.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** Operation names are chosen by clients: a bounded set of them becomes labels. */
  readonly operationNames = new OperationNames();
  readonly requests: Counter<'operation_type' | 'operation_name' | 'outcome'>;
  /** The series Yoga's plugin would report, with its names and labels, observed by the access log (access-log.plugin.ts). */
  readonly httpDuration: Histogram<'operationName' | 'operationType' | 'method' | 'statusCode'>;
  readonly operationDuration: Histogram<'operationName' | 'operationType'>;
  readonly errorResults: Counter<'operationName' | 'operationType' | 'phase' | 'code'>;
  readonly deprecatedFields: Counter<'operationName' | 'operationType' | 'fieldName' | 'typeName'>;
  readonly limitRefusals: Counter<'kind'>;
  readonly authFailures: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'tessera_requests_total',
      help: 'GraphQL requests answered, refused ones included, by operation and outcome (ok, or the first error code)',
      labelNames: ['operation_type', 'operation_name', 'outcome'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'graphql_yoga_http_duration',
      help: 'Time to answer a GraphQL HTTP request (to the start of a stream), refused ones included',
      labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'graphql_envelop_request_duration',
      help: "Time from the operation's validation to the end of its execution",
      labelNames: ['operationName', 'operationType'],
      registers,
    });
    this.errorResults = new Counter({
      name: 'graphql_envelop_error_result',
      help: "Errors in admitted operations' results, by phase (parse, validate, execute) and extensions.code",
      labelNames: ['operationName', 'operationType', 'phase', 'code'],
      registers,
    });
    this.deprecatedFields = new Counter({
      name: 'graphql_envelop_deprecated_field',
      help: 'Deprecated fields asked for, per operation that asked',
      labelNames: ['operationName', 'operationType', 'fieldName', 'typeName'],
      registers,
    });
    this.limitRefusals = new Counter({ name: 'tessera_limit_refusals_total', help: 'Refusals by a limit, by kind', labelNames: ['kind'], registers });
    for (const kind of Object.values(LIMIT_KINDS)) this.limitRefusals.labels(kind).inc(0);
    this.authFailures = new Counter({ name: 'tessera_auth_failures_total', help: 'Failed authentications, by reason', labelNames: ['reason'], registers });
    for (const reason of AUTH_FAILURE_REASONS) this.authFailures.labels(reason).inc(0);
    readOnScrape(this.registry, sources);
  }

  /** The text Prometheus reads: this app's series, then the process's own (CPU, memory, event loop, GC). */
  async exposition(): Promise<string> {
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function readOnScrape(registry: Registry, sources: MetricSources): void {
  const registers = [registry];
  new Gauge({
    name: 'tessera_database_up',
    help: '0 while the database is known to be unreachable (requests are answered 503), else 1',
    registers,
    collect() {
      this.set(sources.databaseDown() ? 0 : 1);
    },
  });
  new Gauge({
    name: 'tessera_audit_buffered_records',
    help: 'Request audit records waiting in memory to be written',
    registers,
    collect() {
      this.set(sources.auditLog.buffered);
    },
  });
  mirroredCounter(registry, 'tessera_audit_dropped_records_total', 'Request audit records lost: buffer full, or not written by a stop', () => sources.auditLog.dropped);
  const seen = { hit: 0, miss: 0 };
  new Counter({
    name: 'tessera_key_cache_lookups_total',
    help: 'Key verifications, by whether the cache answered (hit) or the database did (miss)',
    labelNames: ['result'],
    registers,
    collect() {
      const now = { hit: sources.keyCache.hits, miss: sources.keyCache.misses };
      for (const result of ['hit', 'miss'] as const) {
        this.labels(result).inc(Math.max(0, now[result] - seen[result]));
        seen[result] = now[result];
      }
    },
  });
  webhookGauges(registry, sources);
}

/** Two gauges from one read of the queue per scrape; NaN when the database cannot say. */
function webhookGauges(registry: Registry, sources: MetricSources): void {
  let read: { at: number; backlog: Promise<DeliveryBacklog | null> } | undefined;
  const backlog = () => {
    const at = Date.now();
    if (!read || at - read.at > 1000) {
      const pending = sources.databaseDown() ? Promise.resolve(null) : sources.webhookBacklog().catch(() => null);
      read = { at, backlog: pending };
    }
    return read.backlog;
  };
  new Gauge({
    name: 'tessera_webhook_deliveries_pending',
    help: 'Webhook deliveries not yet delivered nor given up (counted up to 100000)',
    registers: [registry],
    async collect() {
      this.set((await backlog())?.pending ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'tessera_webhook_delivery_lag_seconds',
    help: 'How long the oldest due webhook delivery has waited for its attempt (0: none waiting)',
    registers: [registry],
    async collect() {
      const read = await backlog();
      const oldest = read?.oldestDueAt;
      this.set(!read ? Number.NaN : oldest ? Math.max(0, (sources.now().getTime() - oldest.getTime()) / 1000) : 0);
    },
  });
}

/** A Prometheus counter that follows a count a part keeps itself. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      this.inc(Math.max(0, now - seen));
      seen = now;
    },
  });
}

let processRegistry: Registry | undefined;

/** prom-client's process metrics, started once per process whatever the number of apps in it. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
