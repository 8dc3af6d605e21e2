import type { WidgetConfig } from './api.js';

/**
 * What the page keeps of a visitor's booking: its id and the access token
 * createBooking returned (shown once). The token is what lets this browser,
 * and only this browser, read the booking back with a public key.
 */
export type RememberedBooking = { id: string; accessToken: string };

/** How many of a visitor's bookings the page remembers (newest kept). */
const REMEMBERED = 10;

/** Per API and key, so switching keys or environments never mixes lists. v2: entries carry tokens. */
const storageKey = (config: WidgetConfig) => `tessera-widget:v2:${config.apiUrl}:${config.publicKey.slice(0, 12)}`;

const isRemembered = (entry: unknown): entry is RememberedBooking =>
  typeof entry === 'object' &&
  entry !== null &&
  typeof (entry as RememberedBooking).id === 'string' &&
  typeof (entry as RememberedBooking).accessToken === 'string';

export function rememberedBookings(config: WidgetConfig): RememberedBooking[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(storageKey(config)) ?? '[]');
    return Array.isArray(stored) ? stored.filter(isRemembered).slice(0, REMEMBERED) : [];
  } catch {
    return []; // storage disabled or corrupted: the visitor simply sees no list
  }
}

export function rememberBooking(config: WidgetConfig, booking: RememberedBooking): void {
  const kept = [booking, ...rememberedBookings(config).filter((known) => known.id !== booking.id)].slice(0, REMEMBERED);
  try {
    localStorage.setItem(storageKey(config), JSON.stringify(kept));
  } catch {
    // Private browsing may refuse storage; the booking itself is made either way.
  }
}
