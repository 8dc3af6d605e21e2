import { beforeAll, expect, it } from 'vitest';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const BOOKING = 'query($id: ID!) { booking(id: $id) { id } }';
const BOOKINGS = 'query { bookings { edges { node { id } } } }';
const CANCEL = 'mutation($id: ID!) { cancelBooking(id: $id) { id status } }';

describeIntegration('who sees and changes which bookings', (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;
  let widget: { id: string; secret: string };
  let otherWidget: { id: string; secret: string };
  let widgetBooking: string;
  let otherBooking: string;

  const ids = (response: { body: { data?: any } }) => response.body.data!.bookings.edges.map((e: any) => e.node.id);
  const codeOf = (response: { body: { errors?: any[] } }) => response.body.errors?.[0]?.extensions.code;

  async function book(key: string, hours: number, eventType = eventTypeId) {
    const response = await harness.request(CREATE_BOOKING, {
      key,
      variables: { input: { eventTypeId: eventType, startAt: new Date(Date.parse('2030-01-08T00:00:00Z') + hours * 3_600_000), attendee: attendee() } },
    });
    return response.body.data!.createBooking.id as string;
  }

  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    const host = await seedHost(harness, tenantOf(org), { capacity: 100 });
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
    const publicScopes = ['bookings:create', 'bookings:read-own'];
    widget = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: publicScopes });
    otherWidget = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: publicScopes });
    widgetBooking = await book(widget.secret, 10);
    otherBooking = await book(otherWidget.secret, 11);
  });

  it('shows a secret bookings:read-own key only the bookings it created; the others answer NOT_FOUND', async () => {
    const server = await harness.makeKey({ organization: org, scopes: ['bookings:create', 'bookings:read-own'] });
    const mine = await book(server.secret, 14);
    expect(ids(await harness.request(BOOKINGS, { key: server.secret }))).toEqual([mine]);
    expect((await harness.request(BOOKING, { key: server.secret, variables: { id: mine } })).body.data!.booking.id).toBe(mine);
    expect(codeOf(await harness.request(BOOKING, { key: server.secret, variables: { id: widgetBooking } }))).toBe('NOT_FOUND');
  });

  it('never shows a public key another public key’s bookings, even with that booking’s id', async () => {
    expect(codeOf(await harness.request(BOOKING, { key: widget.secret, variables: { id: otherBooking } }))).toBe('NOT_FOUND');
  });

  it('shows a bookings:read key every booking of its organization', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['bookings:read'] });
    expect(ids(await harness.request(BOOKINGS, { key: reader.secret }))).toEqual(
      expect.arrayContaining([widgetBooking, otherBooking]),
    );
  });

  it('lets a key without bookings:read change only the bookings it created', async () => {
    const own = await harness.makeKey({ organization: org, scopes: ['bookings:create', 'bookings:cancel'] });
    const mine = await book(own.secret, 12);
    expect(codeOf(await harness.request(CANCEL, { key: own.secret, variables: { id: otherBooking } }))).toBe('NOT_FOUND');
    expect((await harness.request(CANCEL, { key: own.secret, variables: { id: mine } })).body.data!.cancelBooking.status).toBe(
      'CANCELLED',
    );
  });

  it('lets a key with bookings:read and bookings:cancel cancel any booking of its organization', async () => {
    const desk = await harness.makeKey({ organization: org, scopes: ['bookings:read', 'bookings:cancel'] });
    const victim = await book(otherWidget.secret, 13);
    expect((await harness.request(CANCEL, { key: desk.secret, variables: { id: victim } })).body.data!.cancelBooking.status).toBe(
      'CANCELLED',
    );
  });

  it('answers NOT_FOUND to another organization, for reading and for changing', async () => {
    const stranger = await harness.organization();
    expect(codeOf(await harness.request(BOOKING, { key: stranger.adminKey, variables: { id: widgetBooking } }))).toBe('NOT_FOUND');
    expect(codeOf(await harness.request(CANCEL, { key: stranger.adminKey, variables: { id: widgetBooking } }))).toBe('NOT_FOUND');
    expect(ids(await harness.request(BOOKINGS, { key: stranger.adminKey }))).toEqual([]);
  });

  it('keeps live and test bookings apart within one organization', async () => {
    const live = await harness.makeKey({ organization: org, environment: 'LIVE', scopes: ['*'] });
    expect(codeOf(await harness.request(BOOKING, { key: live.secret, variables: { id: widgetBooking } }))).toBe('NOT_FOUND');
    expect(ids(await harness.request(BOOKINGS, { key: live.secret }))).toEqual([]);
    // A test event type cannot be booked with a live key either.
    const liveBooking = await harness.request(CREATE_BOOKING, {
      key: live.secret,
      variables: { input: { eventTypeId, startAt: '2030-01-08T15:00:00Z', attendee: attendee() } },
    });
    expect(codeOf(liveBooking)).toBe('NOT_FOUND');
  });

  it('refuses a key without bookings:create', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['bookings:read'] });
    const response = await harness.request(CREATE_BOOKING, {
      key: reader.secret,
      variables: { input: { eventTypeId, startAt: '2030-01-08T16:00:00Z', attendee: attendee() } },
    });
    expect(codeOf(response)).toBe('FORBIDDEN');
  });
});
