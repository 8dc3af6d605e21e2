/**
 * Every configuration setting, declared once: its environment variable, what
 * it accepts, its default and what it means. The tree has the shape of
 * `Config` (src/config/config.ts), so where a setting sits is where its value
 * lands. loadConfig reads it; README's configuration table is printed from it
 * (scripts/doc-tables.ts), and a unit test fails when the two differ.
 */
import { parseDatabaseUrl } from '../db/client.js';
import { addressRanges, PRIVATE_RANGES } from '../lib/address-ranges.js';
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

export const SETTINGS = {
  port: integer({ variable: 'PORT', default: 4000, min: 0, max: 65535, description: 'HTTP port. `0` picks a free one (the start-up log says which).' }),
  host: text({ variable: 'HOST', accepts: 'an interface address or host name', default: '0.0.0.0', description: 'Interface to listen on.' }),
  databaseUrl,
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
  auditFlushIntervalMs: integer({
    variable: 'AUDIT_FLUSH_INTERVAL_MS',
    default: 1000,
    min: 10,
    max: 60_000,
    description: 'How often buffered request audit records are written.',
  }),
  auditMaxBuffered: integer({
    variable: 'AUDIT_MAX_BUFFERED',
    default: 10_000,
    min: 100,
    max: 1_000_000,
    description: 'Most request audit records held in memory while the database is slow or down; beyond it new records are dropped, counted and logged.',
  }),
  lastUsedWriteIntervalMs: integer({
    variable: 'LAST_USED_WRITE_INTERVAL_MS',
    default: 60_000,
    min: 1000,
    max: 3_600_000,
    description: 'At most one `lastUsedAt`/`lastUsedIp` write per key per this interval.',
  }),
  encryptionKey,
  webhookPollIntervalMs: integer({
    variable: 'WEBHOOK_POLL_INTERVAL_MS',
    default: 1000,
    min: 0,
    max: 600_000,
    description: 'How often the webhook worker looks for due deliveries; `0` turns it off.',
  }),
  webhookTimeoutMs: integer({
    variable: 'WEBHOOK_TIMEOUT_MS',
    default: 10_000,
    min: 1,
    max: 60_000,
    description: 'How long a webhook delivery may take; a timeout is retried like a non-2xx answer.',
  }),
  webhookMaxEndpoints: integer({
    variable: 'WEBHOOK_MAX_ENDPOINTS',
    default: 20,
    min: 1,
    max: 1000,
    description: 'Most webhook endpoints one organization may have in each world (live, test); one more is refused with `RESOURCE_LIMIT_REACHED`.',
  }),
  bookingExpiryIntervalMs: integer({
    variable: 'BOOKING_EXPIRY_INTERVAL_MS',
    default: 60_000,
    min: 0,
    max: 3_600_000,
    description:
      'How often PENDING bookings whose hold (`pendingHoldMinutes`) has lapsed are marked EXPIRED, with their `booking.expired` webhook event; `0` turns the sweep off (a lapsed hold frees its slot either way).',
  }),
  calendarFetchTimeoutMs: integer({
    variable: 'CALENDAR_FETCH_TIMEOUT_MS',
    default: 10_000,
    min: 1,
    max: 60_000,
    description: 'How long fetching a calendar feed may take.',
  }),
  calendarRefreshIntervalMs: integer({
    variable: 'CALENDAR_REFRESH_INTERVAL_MS',
    default: 600_000,
    min: 0,
    max: 86_400_000,
    description: "How old a calendar feed's snapshot may get before it is fetched again; `0` turns background refresh off.",
  }),
  redisUrl,
  limits: {
    keyRequestsPerMinute: {
      LIVE: integer({
        variable: 'RATE_LIMIT_LIVE_PER_MINUTE',
        default: 1000,
        min: 1,
        max: 10_000_000,
        description: 'Default request limit per minute of a live key; `setApiKeyRateLimit` gives a key its own.',
      }),
      TEST: integer({
        variable: 'RATE_LIMIT_TEST_PER_MINUTE',
        default: 100,
        min: 1,
        max: 10_000_000,
        description: 'Default request limit per minute of a test key.',
      }),
    },
    organizationConcurrency: integer({
      variable: 'ORG_CONCURRENCY_LIMIT',
      default: 100,
      min: 1,
      max: 100_000,
      description: 'Requests of one organization in flight at once, across all instances.',
    }),
    concurrencySlotTtlMs: integer({
      variable: 'ORG_CONCURRENCY_SLOT_TTL_MS',
      default: 60_000,
      min: 1000,
      max: 3_600_000,
      description: 'Life of a concurrency slot an instance never gave back (it died holding it).',
    }),
    authFailuresPerMinute: integer({
      variable: 'AUTH_FAILURES_PER_MINUTE',
      default: 30,
      min: 1,
      max: 100_000,
      description: 'Failed authentications per client address per minute before 429 `AUTHENTICATION_THROTTLED`.',
    }),
    publicBookings: {
      perEmailPerDay: integer({
        variable: 'PUBLIC_BOOKINGS_PER_EMAIL_PER_DAY',
        default: 5,
        min: 1,
        max: 1_000_000,
        description:
          'Bookings public keys may make for one attendee email in 24 hours, per organization and live/test world; beyond it `BOOKING_LIMIT_REACHED`. Secret keys are not limited.',
      }),
      perAddressPerDay: integer({
        variable: 'PUBLIC_BOOKINGS_PER_ADDRESS_PER_DAY',
        default: 20,
        min: 1,
        max: 1_000_000,
        description:
          'Bookings public keys may make from one client address in 24 hours, per organization and live/test world (an office or mobile network shares one address); beyond it `BOOKING_LIMIT_REACHED`.',
      }),
    },
    maxBodyBytes: integer({
      variable: 'MAX_BODY_BYTES',
      default: 262_144,
      min: 1024,
      max: 104_857_600,
      description: 'Largest request body; a larger one gets 413 `PAYLOAD_TOO_LARGE`.',
    }),
    fieldLimits: flag({
      variable: 'FIELD_RATE_LIMITS',
      words: ['on', 'off'],
      default: true,
      description: '`off` stops enforcing `@rateLimit` (the directives are still printed).',
    }),
    query: {
      maxDepth: integer({
        variable: 'QUERY_MAX_DEPTH',
        default: 10,
        min: 1,
        max: 100,
        description: "Deepest selection (introspection's `__schema` is exempt).",
      }),
      maxAliases: integer({ variable: 'QUERY_MAX_ALIASES', default: 15, min: 0, max: 1000, description: 'Most aliases in one operation.' }),
      maxTokens: integer({
        variable: 'QUERY_MAX_TOKENS',
        default: 2000,
        min: 10,
        max: 1_000_000,
        description: 'Most lexer tokens in a document, counted before parsing.',
      }),
      maxDirectives: integer({ variable: 'QUERY_MAX_DIRECTIVES', default: 20, min: 0, max: 1000, description: 'Most directives in one operation.' }),
      maxCost: integer({
        variable: 'QUERY_MAX_COST',
        default: 20_000,
        min: 10,
        max: 10_000_000,
        description:
          "Highest graphql-armor cost of an operation: object 2, scalar 1, ×1.5 per level, × `first`/`last` (so `bookings(first: 100)` with a dozen fields is about 6,000).",
      }),
    },
    requestTimeoutMs: integer({
      variable: 'REQUEST_TIMEOUT_MS',
      default: 10_000,
      min: 50,
      max: 600_000,
      description: 'Longest a request may run: then its work stops and it answers 504 `TIMEOUT`. Work also stops when the client goes away.',
    }),
    availabilityHostDays: integer({
      variable: 'AVAILABILITY_MAX_HOST_DAYS',
      default: 3100,
      min: 1,
      max: 1_000_000,
      description:
        "What one request's `availability` and `freeBusy` calls may cover together, in days of range × hosts (31 days of the largest event type's 100 hosts, or 62 days of 50); beyond it `QUERY_TOO_COMPLEX`.",
    }),
    keyCacheTtlMs: integer({
      variable: 'KEY_CACHE_TTL_MS',
      default: 300_000,
      min: 0,
      max: 86_400_000,
      description: 'Longest a cached key verification lives, as a safety net behind change notices; `0` turns the cache off.',
    }),
    redisTimeoutMs: integer({
      variable: 'REDIS_TIMEOUT_MS',
      default: 250,
      min: 10,
      max: 10_000,
      description: 'Longest a request waits on Redis before falling back to per-instance memory.',
    }),
  },
} as const;
