/**
 * A public key is public: anyone can copy it from a web page. So a public key
 * reads a booking back only with the access token createBooking gave the
 * visitor who made it (Stripe's client_secret pattern).
 */
import { beforeAll, expect, it } from 'vitest';
import { hashBookingAccessToken } from '../../src/modules/bookings/booking-access-token.js';
import { attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import { dumpAllRows } from '../helpers/dump.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

const CREATE = `mutation($input: CreateBookingInput!) { createBooking(input: $input) { id accessToken } }`;
const BOOKING = 'query($id: ID!, $token: String) { booking(id: $id, accessToken: $token) { id accessToken attendee { email } } }';
const BOOKINGS = 'query($tokens: [String!]) { bookings(accessTokens: $tokens) { nodes { id accessToken } } }';
const PUBLIC_SCOPES = ['event-types:read', 'availability:read', 'bookings:create', 'bookings:read-own'];

type Made = { id: string; accessToken: string | null };

describeIntegration('booking access tokens for public keys', (harness) => {
  let org: TestOrganization;
  let eventTypeId: string;
  let site: { id: string; secret: string };
  let alice: Made;
  let bob: Made;
  let hour = 0;

  const codeOf = (response: { body: { errors?: any[] } }) => response.body.errors?.[0]?.extensions.code;
  const listed = async (key: string, tokens?: string[]) =>
    (await harness.request(BOOKINGS, { key, variables: { tokens } })).body.data!.bookings.nodes.map((n: Made) => n.id);
  const fetchOne = (key: string, id: string, token?: string | null) => harness.request(BOOKING, { key, variables: { id, token } });

  async function book(key: string, name: string, idempotencyKey?: string): Promise<Made> {
    const startAt = new Date(Date.parse('2030-01-08T00:00:00Z') + hour++ * 3_600_000);
    const response = await harness.request(CREATE, {
      key,
      variables: { input: { eventTypeId, startAt, attendee: attendee(name), idempotencyKey } },
    });
    return response.body.data!.createBooking as Made;
  }

  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    const host = await seedHost(harness, tenantOf(org), { capacity: 100 });
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
    site = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: PUBLIC_SCOPES });
    // Two visitors of the same site, so the same public key.
    alice = await book(site.secret, 'Alice Visitor');
    bob = await book(site.secret, 'Bob Visitor');
  });

  it('gives the public key a fresh random token with each new booking', () => {
    expect(alice.accessToken).toMatch(/^bat_[0-9A-Za-z]{32}$/);
    expect(bob.accessToken).toMatch(/^bat_[0-9A-Za-z]{32}$/);
    expect(alice.accessToken).not.toBe(bob.accessToken);
  });

  it('lists nothing to a public key that shows no token', async () => {
    expect(await listed(site.secret)).toEqual([]);
    expect(await listed(site.secret, [])).toEqual([]);
  });

  it('answers NOT_FOUND for another visitor’s booking without its token or with the wrong one', async () => {
    expect(codeOf(await fetchOne(site.secret, alice.id))).toBe('NOT_FOUND');
    expect(codeOf(await fetchOne(site.secret, alice.id, bob.accessToken))).toBe('NOT_FOUND');
    expect(codeOf(await fetchOne(site.secret, alice.id, 'bat_' + 'x'.repeat(32)))).toBe('NOT_FOUND');
  });

  it('shows a public key exactly the bookings whose tokens it passes', async () => {
    expect((await fetchOne(site.secret, alice.id, alice.accessToken)).body.data!.booking.attendee.email).toBe('alice@example.com');
    expect(await listed(site.secret, [alice.accessToken!])).toEqual([alice.id]);
    expect(await listed(site.secret, [alice.accessToken!, bob.accessToken!, 'bat_unknown'])).toEqual([alice.id, bob.id]);
  });

  it('never shows the token again on later reads', async () => {
    const one = await fetchOne(site.secret, alice.id, alice.accessToken);
    expect(one.body.data!.booking.accessToken).toBeNull();
    const list = await harness.request(BOOKINGS, { key: site.secret, variables: { tokens: [alice.accessToken] } });
    expect(list.body.data!.bookings.nodes[0].accessToken).toBeNull();
    const admin = await harness.request('{ bookings { nodes { id accessToken } } }', { key: org.adminKey });
    expect(JSON.stringify(admin.body)).not.toContain(alice.accessToken);
  });

  it('accepts a token only from the key that made the booking', async () => {
    const otherSite = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: PUBLIC_SCOPES });
    expect(codeOf(await fetchOne(otherSite.secret, alice.id, alice.accessToken))).toBe('NOT_FOUND');
    expect(await listed(otherSite.secret, [alice.accessToken!])).toEqual([]);
  });

  it('does not hand the token out again when createBooking replays an idempotency key', async () => {
    const first = await book(site.secret, 'Carol Visitor', 'carol-attempt-1-3a9f0c7e52d1b846');
    const replay = await book(site.secret, 'Carol Visitor', 'carol-attempt-1-3a9f0c7e52d1b846');
    expect(first.accessToken).toMatch(/^bat_/);
    expect(replay).toEqual({ id: first.id, accessToken: null });
    expect(await listed(site.secret, [first.accessToken!])).toEqual([first.id]);
  });

  it('stores only the token’s SHA-256, nowhere the token itself', async () => {
    await harness.app.flush();
    const { text } = await dumpAllRows(harness.database);
    for (const token of [alice.accessToken!, bob.accessToken!]) {
      expect(text).not.toContain(token.slice(4));
      expect(text).toContain(hashBookingAccessToken(token));
    }
  });

  it('gives secret keys no token and lets read-own show their own bookings without one', async () => {
    const server = await harness.makeKey({ organization: org, scopes: ['bookings:create', 'bookings:read-own'] });
    const made = await book(server.secret, 'Dan Server');
    expect(made.accessToken).toBeNull();
    expect(await listed(server.secret)).toEqual([made.id]);
    // Tokens mean nothing to a secret key: neither needed nor a way to more.
    expect(await listed(server.secret, [alice.accessToken!])).toEqual([made.id]);
    expect((await fetchOne(server.secret, made.id, 'bat_wrong')).body.data!.booking.id).toBe(made.id);
  });

  it('refuses more tokens than a page holds', async () => {
    const tokens = Array.from({ length: 201 }, (_, i) => `bat_${i}`);
    expect(codeOf(await harness.request(BOOKINGS, { key: site.secret, variables: { tokens } }))).toBe('BAD_USER_INPUT');
  });
});
