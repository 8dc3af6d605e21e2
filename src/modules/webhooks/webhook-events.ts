import { allOf } from '../../auth/access/requirement-algebra.js';
import { isSatisfied, type ScopeRequirement } from '../../auth/access/scopes.js';
import { appError } from '../../lib/errors.js';

/** A booking event carries the booking as the API shows it (attendee, notes, custom fields), of any key. */
const BOOKING_DATA: ScopeRequirement = [['bookings:read']];
/** A key event carries what `apiKeys` lists: name, preview, scopes, dates. */
const KEY_DATA: ScopeRequirement = [['keys:read']];

/**
 * Every event a webhook can subscribe to: when it happens, and the scopes a
 * key needs to subscribe to it. A webhook copies each event's data to
 * whoever controls its URL, so subscribing needs exactly what reading that
 * data through the API needs; holding `webhooks:manage` alone reads nothing.
 * A new event type needs its row here (the type checker and a unit test say so).
 */
export const WEBHOOK_EVENTS = {
  'booking.created': { when: 'A booking was made.', requires: BOOKING_DATA },
  'booking.updated': { when: "A booking's attendee details or notes changed.", requires: BOOKING_DATA },
  'booking.cancelled': { when: 'A booking was cancelled.', requires: BOOKING_DATA },
  'booking.rescheduled': { when: 'A booking moved to another time.', requires: BOOKING_DATA },
  'booking.confirmed': { when: 'A booking was confirmed.', requires: BOOKING_DATA },
  'booking.completed': { when: 'A booking was marked completed.', requires: BOOKING_DATA },
  'booking.no_show': { when: 'A booking was marked no-show.', requires: BOOKING_DATA },
  'booking.expired': { when: 'A PENDING booking’s hold lapsed unconfirmed; its slot is free again.', requires: BOOKING_DATA },
  'api_key.created': { when: 'An API key was created.', requires: KEY_DATA },
  'api_key.revoked': { when: 'An API key was revoked.', requires: KEY_DATA },
  'api_key.rolled': { when: 'An API key was rolled; carries the old key and its successor.', requires: KEY_DATA },
  'api_key.expiring': { when: 'An API key expires within 7 days (once per key).', requires: KEY_DATA },
  'api_key.overprivileged': {
    when: 'A key older than 30 days exercised under half of its scopes in the last 30 days (weekly per key, when the key policy turns reportOverprivilegedKeys on); carries the scopes it exercised and the suggested grant.',
    requires: KEY_DATA,
  },
  'api_key.leaked': {
    when: 'A secret scanner (GitHub) found an API key in public; carries where, and whether it was revoked (live secret keys) or only flagged (once per key).',
    requires: KEY_DATA,
  },
} satisfies Record<string, { when: string; requires: ScopeRequirement }>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

export const isWebhookEventType = (name: string): name is WebhookEventType => Object.hasOwn(WEBHOOK_EVENTS, name);

/** What subscribing to `event` requires; nothing satisfies an unknown event (fail closed). */
export const subscriptionRequirement = (event: string): ScopeRequirement =>
  isWebhookEventType(event) ? WEBHOOK_EVENTS[event].requires : [];

/** `bookings:read`, `a and b`, `a or b`: a requirement as a sentence names it. */
export const describeRequirement = (requirement: ScopeRequirement): string =>
  requirement.map((all) => all.join(' and ')).join(' or ') || 'a scope no key holds';

/**
 * Refuses a subscription the caller could not read through the API: FORBIDDEN
 * naming each refused event and its scopes, with `requiredScopes` saying what
 * would allow the whole list (as a denied field does).
 */
export function assertMaySubscribe(granted: ReadonlySet<string>, events: readonly string[]): void {
  const refused = events.filter((event) => !isSatisfied(subscriptionRequirement(event), granted));
  if (refused.length === 0) return;
  const named = refused.map((event) => `"${event}" (requires ${describeRequirement(subscriptionRequirement(event))})`);
  throw appError(
    'FORBIDDEN',
    `events: this key cannot subscribe to ${named.join(', ')}: a webhook receives each event's data, so it needs the scopes that reading that data needs.`,
    { field: 'events', requiredScopes: allOf(events.map(subscriptionRequirement)) },
  );
}
