/**
 * Every configuration setting, declared once: its environment variable, what
 * it accepts, its default and what it means. The tree has the shape of
 * `Config` (src/config/config.ts), so where a setting sits is where its value
 * lands. loadConfig reads it; README's configuration table is printed from it
 * (scripts/doc-tables.ts), and a unit test fails when the two differ.
 */
import { parseDatabaseUrl } from '../db/client.js';
import { addressRanges, PRIVATE_RANGES } from '../lib/address-ranges.js';
import { BACKGROUND_SETTINGS } from './background-settings.js';
import { LIMIT_SETTINGS } from './limit-settings.js';
import { OBSERVABILITY_SETTINGS } from './observability-settings.js';
import { SECRET_SCANNING_SETTINGS } from './secret-scanning-settings.js';
import { custom, flag, integer, oneOf, text } from './setting.js';

export const DEFAULT_DATABASE_URL = 'file://.data/pglite';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const databaseUrl = custom<string>({
  variable: 'DATABASE_URL',
  accepts: '`postgres://…`, `postgresql://…`, `file://PATH` or `memory://`',
  shownDefault: `\`${DEFAULT_DATABASE_URL}\``,
  description:
    'Where the data lives: a real PostgreSQL (`postgres://`, `postgresql://`, through postgres.js), an embedded PGlite persisted in the folder PATH (`file://PATH`), or a throw-away in-memory PGlite (`memory://`).',
  parse(url, refuse) {
    try {
      parseDatabaseUrl(url);
    } catch (error) {
      refuse((error as Error).message);
    }
    return url;
  },
  unset: () => DEFAULT_DATABASE_URL,
});

const encryptionKey = custom<Buffer | null>({
  variable: 'ENCRYPTION_KEY',
  accepts: '32 bytes in base64',
  shownDefault: null,
  description:
    'Seals stored webhook secrets and calendar feed URLs; generate one with `openssl rand -base64 32` and keep it in your secret store. Required with a `postgres://` database (every instance must share it). Unset, the embedded database keeps a generated key in `encryption.key` inside its data folder (owner-only, like the data), and `memory://` uses a random key per process.',
  parse(raw, refuse) {
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32 || key.toString('base64') !== raw.replace(/\s/g, '')) {
      refuse('expected 32 bytes in base64 (`openssl rand -base64 32`)');
    }
    return key;
  },
  unset(refuse, env) {
    // Every instance over a shared PostgreSQL must open what the others sealed.
    if (parseDatabaseUrl(databaseUrl.read(env)).kind === 'postgres') {
      refuse('required with a postgres:// DATABASE_URL; generate one with `openssl rand -base64 32`');
    }
    // resolveEncryptionKey (src/config/encryption-key.ts) decides what the embedded databases use.
    return null;
  },
});

const redisUrl = custom<string | null>({
  variable: 'REDIS_URL',
  accepts: '`redis://…` or `rediss://…`',
  shownDefault: null,
  description:
    'Redis (through ioredis) for every shared counter: key limits, failed authentications, concurrency slots and field logs. Unset: counted in memory, right for one instance.',
  parse(url, refuse) {
    // Only the scheme is echoed: the rest may carry a password.
    if (!/^rediss?:\/\/[^/]/.test(url)) refuse(`expected redis://host:port or rediss://…, got ${JSON.stringify(`${url.split(':')[0]}:…`)}`);
    return url;
  },
  unset: () => null,
});

const bootstrapDemo = custom<boolean>({
  variable: 'BOOTSTRAP_DEMO',
  accepts: '`true` or `false`',
  shownDefault: '`true` when `DATABASE_URL` is unset, else `false`',
  description:
    'A first start with no organization creates a demo organization and one full-access test key: printed on stderr when that is a terminal, else written to `demo-key.txt` (mode 0600) in the data folder (a new temporary folder for `memory://` and PostgreSQL), whose path the log gives; never into the log. Without it the log says how to create the first organization with the CLI.',
  parse(raw, refuse) {
    if (raw !== 'true' && raw !== 'false') refuse(`expected one of true, false, got ${JSON.stringify(raw)}`);
    return raw === 'true';
  },
  // Only the zero-configuration start (`npm start`, nothing set) is a demo; a database someone chose is not.
  unset: (_refuse, env) => !env.DATABASE_URL,
});

export const SETTINGS = {
  port: integer({ variable: 'PORT', default: 4000, min: 0, max: 65535, description: 'HTTP port. `0` picks a free one (the start-up log says which).' }),
  host: text({ variable: 'HOST', accepts: 'an interface address or host name', default: '0.0.0.0', description: 'Interface to listen on.' }),
  databaseUrl,
  bootstrapDemo,
  database: {
    connectTimeoutMs: integer({
      variable: 'DATABASE_CONNECT_TIMEOUT_MS',
      default: 3000,
      min: 100,
      max: 60_000,
      description: 'postgres:// only: longest a new connection may take; while PostgreSQL is unreachable, what needs it answers 503 `SERVICE_UNAVAILABLE` with `Retry-After` instead of waiting.',
    }),
    statementTimeoutMs: integer({
      variable: 'DATABASE_STATEMENT_TIMEOUT_MS',
      default: 5000,
      min: 0,
      max: 600_000,
      description:
        "postgres:// only: PostgreSQL's `statement_timeout` for our sessions, sent when connecting; a statement running longer is cancelled and its request answers 503. `0` sends none (behind PgBouncer, which refuses it: set it on the role instead).",
    }),
    directUrl: custom<string | null>({
      variable: 'DATABASE_DIRECT_URL',
      accepts: '`postgres://…` or `postgresql://…`',
      shownDefault: null,
      description:
        'PostgreSQL itself, when `DATABASE_URL` goes through a transaction-mode pooler (PgBouncer): migrations, LISTEN for key changes and the retention lock need a session of their own. Unset: `DATABASE_URL`.',
      parse(url, refuse) {
        // Only the scheme is echoed: the rest may carry a password.
        if (!/^postgres(ql)?:\/\//.test(url)) refuse(`expected postgres://… or postgresql://…, got ${JSON.stringify(`${url.split(':')[0]}:…`)}`);
        return url;
      },
      unset: () => null,
    }),
    preparedStatements: flag({
      variable: 'DATABASE_PREPARED_STATEMENTS',
      words: ['true', 'false'],
      default: true,
      description: 'postgres:// only: named prepared statements. `false` behind PgBouncer in transaction mode before 1.21 (or without `max_prepared_statements`).',
    }),
    startupTimeoutMs: integer({
      variable: 'DATABASE_STARTUP_TIMEOUT_MS',
      default: 60_000,
      min: 0,
      max: 3_600_000,
      description: 'How long start-up waits (retrying with backoff) for a database that is not reachable yet before giving up with exit code 1.',
    }),
  },
  shutdownTimeoutMs: integer({
    variable: 'SHUTDOWN_TIMEOUT_MS',
    default: 10_000,
    min: 0,
    max: 600_000,
    description: 'On SIGTERM/SIGINT: how long requests already received may take to be answered before the remaining connections are closed (stalled clients included) and the process exits.',
  }),
  compiledExecution: flag({
    variable: 'GRAPHQL_COMPILED_EXECUTION',
    words: ['true', 'false'],
    default: true,
    description:
      'Queries and mutations run as code compiled once per document, from its second run (graphql-jit: the same resolvers and scope checks, about a fifth less CPU per request). `false` runs every operation through graphql-js, should a document ever behave differently.',
  }),
  logLevel: oneOf({
    variable: 'LOG_LEVEL',
    values: LOG_LEVELS,
    default: 'info',
    description: 'Logs are JSON lines on stdout; secrets are never logged.',
  }),
  trustProxy: flag({
    variable: 'TRUST_PROXY',
    words: ['true', 'false'],
    default: false,
    description:
      '`true` when a proxy you trust sits in front: the client IP (audit log, last used, limits, IP allowlists) is then the rightmost `X-Forwarded-For` address that is not in `TRUSTED_PROXIES`, instead of the socket peer.',
  }),
  trustedProxies: custom({
    variable: 'TRUSTED_PROXIES',
    accepts: 'comma-separated CIDR ranges',
    shownDefault: 'loopback and private ranges',
    description:
      'With `TRUST_PROXY=true`: the addresses of your own proxies and load balancers. Addresses the client wrote into `X-Forwarded-For` (left of the last untrusted hop) are ignored. One load balancer at 10.0.0.5: `TRUSTED_PROXIES=10.0.0.5/32`.',
    parse: (raw, refuse) => {
      try {
        return addressRanges(raw.split(',').map((cidr) => cidr.trim()).filter(Boolean));
      } catch (error) {
        return refuse((error as Error).message);
      }
    },
    unset: () => addressRanges(PRIVATE_RANGES),
  }),
  ...BACKGROUND_SETTINGS,
  encryptionKey,
  redisUrl,
  observability: OBSERVABILITY_SETTINGS,
  secretScanning: SECRET_SCANNING_SETTINGS,
  limits: LIMIT_SETTINGS,
} as const;
