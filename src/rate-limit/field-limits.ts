import type { FieldLimit } from './field-limiter.js';

/**
 * The per-field limits, in one table; fields pick theirs with
 * `...rateLimited(...FIELD_LIMITS.x)` next to their `requires(...)`.
 */
export const FIELD_LIMITS = {
  /** Creating, changing, rolling and revoking keys: a human pace, even for automation. */
  keyManagement: [{ max: 30, window: '1m', by: 'key' }],
  /** A server creates bookings for many people; one browser books for one. */
  bookingCreation: [
    { max: 300, window: '1m', by: 'key' },
    { max: 10, window: '1m', by: 'public-client' },
  ],
  /**
   * Availability and free/busy, each call bounded by the host-day budget and
   * MAX_SLOTS: 5 a second per key keeps even a flood of the largest calls to a
   * fraction of one core; one a second per browser is more than a person
   * paging through a calendar needs.
   */
  availabilityReads: [
    { max: 300, window: '1m', by: 'key' },
    { max: 60, window: '1m', by: 'public-client' },
  ],
} as const satisfies Record<string, readonly FieldLimit[]>;

/** Declares a field's limits: enforced by the fieldRateLimit plugin, printed as `@rateLimit`. */
export function rateLimited(...limits: FieldLimit[]): { rateLimit: readonly FieldLimit[] } {
  return { rateLimit: limits };
}
