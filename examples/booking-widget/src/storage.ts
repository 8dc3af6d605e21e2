import type { WidgetConfig } from './api.js';

/** How many of a visitor's bookings the page remembers (newest kept). */
const REMEMBERED = 10;

/** Per API and key, so switching keys or environments never mixes lists. */
const storageKey = (config: WidgetConfig) => `tessera-widget:${config.apiUrl}:${config.publicKey.slice(0, 12)}`;

export function rememberedBookingIds(config: WidgetConfig): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(storageKey(config)) ?? '[]');
    return Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string').slice(0, REMEMBERED) : [];
  } catch {
    return []; // storage disabled or corrupted: the visitor simply sees no list
  }
}

export function rememberBooking(config: WidgetConfig, id: string): void {
  const ids = [id, ...rememberedBookingIds(config).filter((known) => known !== id)].slice(0, REMEMBERED);
  try {
    localStorage.setItem(storageKey(config), JSON.stringify(ids));
  } catch {
    // Private browsing may refuse storage; the booking itself is made either way.
  }
}
