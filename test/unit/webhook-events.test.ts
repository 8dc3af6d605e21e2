import { describe, expect, it } from 'vitest';
import { ALL_SCOPES, isSatisfied } from '../../src/auth/access/scopes.js';
import type { AppError } from '../../src/lib/errors.js';
import { assertMaySubscribe, subscriptionRequirement, WEBHOOK_EVENT_TYPES, WEBHOOK_EVENTS } from '../../src/modules/webhooks/webhook-events.js';

/**
 * What reading each family of events requires through the API. An event type
 * of a new family fails here until someone decides what reading it needs.
 */
const READ_SCOPE_BY_FAMILY: Record<string, string> = { booking: 'bookings:read', api_key: 'keys:read' };

describe('webhook event catalogue', () => {
  it.each(WEBHOOK_EVENT_TYPES)('gives %s the read scope of its family, and nothing less', (event) => {
    const family = event.split('.')[0]!;
    expect(READ_SCOPE_BY_FAMILY, `no decision yet on what reading ${family}.* events requires`).toHaveProperty(family);
    expect(WEBHOOK_EVENTS[event].requires).toEqual([[READ_SCOPE_BY_FAMILY[family]]]);
  });

  it('lets no event through on webhooks:manage alone, nor on an empty requirement', () => {
    for (const event of WEBHOOK_EVENT_TYPES) {
      const requirement = WEBHOOK_EVENTS[event].requires;
      expect(requirement.length, event).toBeGreaterThan(0);
      for (const all of requirement) expect(all.length, event).toBeGreaterThan(0);
      expect(isSatisfied(requirement, new Set(['webhooks:manage', 'webhooks:read'])), event).toBe(false);
      expect(isSatisfied(requirement, new Set(ALL_SCOPES)), event).toBe(true);
    }
  });

  it('refuses an unknown event to every key (fail closed)', () => {
    expect(isSatisfied(subscriptionRequirement('booking.exploded'), new Set(ALL_SCOPES))).toBe(false);
  });

  it('names each refused event, its scopes, and what would allow the whole subscription', () => {
    let error: AppError | undefined;
    try {
      assertMaySubscribe(new Set(['webhooks:manage', 'bookings:read']), ['booking.created', 'api_key.created']);
    } catch (caught) {
      error = caught as AppError;
    }
    expect(error?.code).toBe('FORBIDDEN');
    expect(error?.message).toContain('"api_key.created" (requires keys:read)');
    expect(error?.message).not.toContain('"booking.created"');
    expect(error?.details).toEqual({ field: 'events', requiredScopes: [['bookings:read', 'keys:read']] });
  });
});
