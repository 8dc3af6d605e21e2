/** Bounds on event type settings, read by validation and by availability's look-around windows. */
export const EVENT_TYPE_LIMITS = {
  minDurationMinutes: 5,
  maxDurationMinutes: 1440,
  /** A buffer longer than a day would mean "not bookable"; that is what `active` is for. */
  maxBufferMinutes: 1440,
  maxMinimumNoticeMinutes: 365 * 24 * 60,
  /** How far ahead bookings may start: a public page cannot be used to hold slots for years. */
  minBookingWindowDays: 1,
  maxBookingWindowDays: 730,
  /** An unconfirmed PENDING booking's hold: long enough to confirm, short of hoarding a month. */
  minPendingHoldMinutes: 5,
  maxPendingHoldMinutes: 30 * 24 * 60,
  maxHosts: 100,
  maxCustomFields: 50,
} as const;
