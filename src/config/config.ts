import { parseDatabaseUrl } from '../db/client.js';

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Whether the API sits behind a proxy whose X-Forwarded-For we trust for client IPs. */
  trustProxy: boolean;
  auditFlushIntervalMs: number;
  auditMaxBuffered: number;
  lastUsedWriteIntervalMs: number;
  /**
   * Seals stored credentials (webhook secrets, calendar URLs). Null means "no
   * ENCRYPTION_KEY given": see resolveEncryptionKey for what the embedded
   * databases do then.
   */
  encryptionKey: Buffer | null;
  /** How often the webhook worker looks for due deliveries; 0 turns the loop off (tests drive it). */
  webhookPollIntervalMs: number;
  webhookTimeoutMs: number;
  calendarFetchTimeoutMs: number;
  /** How old a calendar feed snapshot may get before it is fetched again; 0 turns background refresh off. */
  calendarRefreshIntervalMs: number;
  /** Shared counters and key-change fan-out across instances; null: in-memory, one instance. */
  redisUrl: string | null;
  limits: LimitsConfig;
};

/** Every request, abuse and query limit; README "Rate limits and running many instances". */
export type LimitsConfig = {
  keyRequestsPerMinute: { LIVE: number; TEST: number };
  organizationConcurrency: number;
  /** How long an in-flight slot survives an instance that died holding it. */
  concurrencySlotTtlMs: number;
  authFailuresPerMinute: number;
  maxBodyBytes: number;
  /** Whether fields' @rateLimit declarations are enforced (they are always printed). */
  fieldLimits: boolean;
  query: { maxDepth: number; maxAliases: number; maxTokens: number; maxDirectives: number; maxCost: number };
  /** Upper bound on a cached key verification even if a change notice were lost. */
  keyCacheTtlMs: number;
  /** Longest a request waits on Redis before falling back to per-instance memory. */
  redisTimeoutMs: number;
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const DEFAULT_DATABASE_URL = 'file://.data/pglite';

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

function databaseUrl(env: Env): string {
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    throw new ConfigError('DATABASE_URL', (error as Error).message);
  }
  return url;
}

function encryptionKey(env: Env, databaseUrl: string): Buffer | null {
  const raw = env.ENCRYPTION_KEY;
  if (raw === undefined || raw === '') {
    // Every instance over a shared PostgreSQL must open what the others sealed.
    if (parseDatabaseUrl(databaseUrl).kind === 'postgres') {
      throw new ConfigError('ENCRYPTION_KEY', 'required with a postgres:// DATABASE_URL; generate one with `openssl rand -base64 32`');
    }
    return null;
  }
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64') !== raw.replace(/\s/g, '')) {
    throw new ConfigError('ENCRYPTION_KEY', 'expected 32 bytes in base64 (`openssl rand -base64 32`)');
  }
  return key;
}

function redisUrl(env: Env): string | null {
  const url = env.REDIS_URL;
  if (url === undefined || url === '') return null;
  // Only the scheme is echoed: the rest may carry a password.
  if (!/^rediss?:\/\/[^/]/.test(url)) throw new ConfigError('REDIS_URL', `expected redis://host:port or rediss://…, got ${JSON.stringify(`${url.split(':')[0]}:…`)}`);
  return url;
}

function limits(env: Env): LimitsConfig {
  return {
    keyRequestsPerMinute: {
      LIVE: integer(env, 'RATE_LIMIT_LIVE_PER_MINUTE', 1000, 1, 10_000_000),
      TEST: integer(env, 'RATE_LIMIT_TEST_PER_MINUTE', 100, 1, 10_000_000),
    },
    organizationConcurrency: integer(env, 'ORG_CONCURRENCY_LIMIT', 100, 1, 100_000),
    concurrencySlotTtlMs: integer(env, 'ORG_CONCURRENCY_SLOT_TTL_MS', 60_000, 1000, 3_600_000),
    authFailuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 30, 1, 100_000),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 262_144, 1024, 104_857_600),
    fieldLimits: oneOf(env, 'FIELD_RATE_LIMITS', ['on', 'off'] as const, 'on') === 'on',
    query: {
      maxDepth: integer(env, 'QUERY_MAX_DEPTH', 10, 1, 100),
      maxAliases: integer(env, 'QUERY_MAX_ALIASES', 15, 0, 1000),
      maxTokens: integer(env, 'QUERY_MAX_TOKENS', 2000, 10, 1_000_000),
      maxDirectives: integer(env, 'QUERY_MAX_DIRECTIVES', 20, 0, 1000),
      maxCost: integer(env, 'QUERY_MAX_COST', 20_000, 10, 10_000_000),
    },
    keyCacheTtlMs: integer(env, 'KEY_CACHE_TTL_MS', 300_000, 0, 86_400_000),
    redisTimeoutMs: integer(env, 'REDIS_TIMEOUT_MS', 250, 10, 10_000),
  };
}

/** Reads and validates the whole configuration; the first problem names its variable. */
export function loadConfig(env: Env = process.env): Config {
  const database = databaseUrl(env);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl: database,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    trustProxy: oneOf(env, 'TRUST_PROXY', ['true', 'false'] as const, 'false') === 'true',
    auditFlushIntervalMs: integer(env, 'AUDIT_FLUSH_INTERVAL_MS', 1000, 10, 60_000),
    auditMaxBuffered: integer(env, 'AUDIT_MAX_BUFFERED', 10_000, 100, 1_000_000),
    lastUsedWriteIntervalMs: integer(env, 'LAST_USED_WRITE_INTERVAL_MS', 60_000, 1000, 3_600_000),
    encryptionKey: encryptionKey(env, database),
    webhookPollIntervalMs: integer(env, 'WEBHOOK_POLL_INTERVAL_MS', 1000, 0, 600_000),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 1, 60_000),
    calendarFetchTimeoutMs: integer(env, 'CALENDAR_FETCH_TIMEOUT_MS', 10_000, 1, 60_000),
    calendarRefreshIntervalMs: integer(env, 'CALENDAR_REFRESH_INTERVAL_MS', 600_000, 0, 86_400_000),
    redisUrl: redisUrl(env),
    limits: limits(env),
  };
}
