import { TEXT_LIMITS } from './input-limits.js';

/**
 * The IANA name Intl knows a zone by ("europe/berlin" and "US/Eastern" become
 * "Europe/Berlin" and "America/New_York"), or null for anything else —
 * including fixed offsets like "+01:00", which do not follow daylight saving.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!name || name.length > TEXT_LIMITS.timeZone || /^[+-]/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
