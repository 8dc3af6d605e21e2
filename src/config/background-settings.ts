/**
 * The background work's settings: audit buffering, last-used writes, the
 * webhook worker, calendar feeds, booking expiry, retention. Declared as in
 * src/config/settings.ts, whose tree spreads them at the top level.
 */
import { integer } from './setting.js';

export const BACKGROUND_SETTINGS = {
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
    description:
      'How long a webhook delivery may take, name resolution included; a timeout is retried like a non-2xx answer. A delivery whose worker died is sent again this long plus 5 s after it was claimed.',
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
  keyScopeReviewIntervalMs: integer({
    variable: 'KEY_SCOPE_REVIEW_INTERVAL_MS',
    default: 3_600_000,
    min: 0,
    max: 86_400_000,
    description:
      "How often keys are looked at for the `api_key.overprivileged` webhook event (also once at start), in organizations whose key policy turns `reportOverprivilegedKeys` on; each key is reviewed at most once a week, by one instance. `0` turns it off.",
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
  retention: {
    intervalMs: integer({
      variable: 'RETENTION_INTERVAL_MS',
      default: 3_600_000,
      min: 0,
      max: 86_400_000,
      description:
        "How often the retention job runs (also once at start), on one instance at a time: it creates the coming months' audit partitions and deletes what the settings below let go, and idempotency keys after 24 hours ([Data growth and retention](operations.md#data-growth-and-retention)); `0` turns it off: nothing is deleted.",
    }),
    auditDays: integer({
      variable: 'AUDIT_RETENTION_DAYS',
      default: 400,
      min: 1,
      max: 36_500,
      description:
        "How long audit records are kept, at least (a month's partition is dropped once all of it is older), and a booking's `history` after the booking ended (the booking itself stays).",
    }),
    webhookDays: integer({
      variable: 'WEBHOOK_RETENTION_DAYS',
      default: 30,
      min: 1,
      max: 36_500,
      description:
        'How long finished webhook deliveries (succeeded, or failed after every attempt) are kept after their last attempt, and events with no delivery left after they happened; pending deliveries are kept, except those queued this long ago for a webhook paused as long.',
    }),
  },
} as const;
