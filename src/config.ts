import { parseDatabaseUrl } from './db/client.js';

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
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
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

/** Reads and validates the whole configuration; the first problem names its variable. */
export function loadConfig(env: Env = process.env): Config {
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl: databaseUrl(env),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    trustProxy: oneOf(env, 'TRUST_PROXY', ['true', 'false'] as const, 'false') === 'true',
    auditFlushIntervalMs: integer(env, 'AUDIT_FLUSH_INTERVAL_MS', 1000, 10, 60_000),
    auditMaxBuffered: integer(env, 'AUDIT_MAX_BUFFERED', 10_000, 100, 1_000_000),
    lastUsedWriteIntervalMs: integer(env, 'LAST_USED_WRITE_INTERVAL_MS', 60_000, 1000, 3_600_000),
  };
}
