/**
 * How a breaking change is announced: `@deprecated` with the date it was
 * deprecated and what to use instead, written once here. CHANGELOG.md states
 * how long a deprecated element stays; a test holds every reason in the
 * schema to this form.
 */
export type IsoDate = `${number}-${number}-${number}`;

/** "Since 2026-12-01: …": the prefix every deprecation reason starts with. */
export const DEPRECATION_REASON = /^Since (\d{4}-\d{2}-\d{2}): \S/;

/**
 * `deprecated({ since: '2026-12-01', use: 'newField' })` gives the reason
 * "Since 2026-12-01: use newField."; `why` adds a sentence. Spread it into a
 * field, argument, input field or enum value.
 */
export function deprecated(notice: { since: IsoDate; use: string; why?: string } | { since: IsoDate; use?: undefined; why: string }) {
  if (!isCalendarDate(notice.since)) throw new Error(`deprecated(): since must be a date such as 2026-12-01, got "${notice.since}"`);
  const parts = [notice.use === undefined ? undefined : `use ${notice.use}.`, notice.why].filter(Boolean);
  return { deprecationReason: `Since ${notice.since}: ${parts.join(' ')}` };
}

/** A real day written YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}
