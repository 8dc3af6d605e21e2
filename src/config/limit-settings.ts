/**
 * The request, abuse and query limits (`config.limits`), declared as in
 * src/config/settings.ts; docs/limits-and-scaling.md explains them.
 */
import { flag, integer } from './setting.js';

export const LIMIT_SETTINGS = {
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
} as const;
