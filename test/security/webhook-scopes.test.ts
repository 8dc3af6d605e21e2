/**
 * Webhooks copy event data out of Tessera, so they must not route around the
 * scopes: subscribing to an event needs the scopes that reading its data
 * needs, and one organization cannot pile up endpoints without bound.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { LocalServer } from '../helpers/local-server.js';
import { errorCode } from '../helpers/scheduling.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

/** The contract of the issue: what reading each event's data requires. */
const REQUIRED_TO_READ: Record<string, string> = {
  'booking.created': 'bookings:read',
  'booking.updated': 'bookings:read',
  'booking.cancelled': 'bookings:read',
  'booking.rescheduled': 'bookings:read',
  'booking.confirmed': 'bookings:read',
  'booking.completed': 'bookings:read',
  'booking.no_show': 'bookings:read',
  'api_key.created': 'keys:read',
  'api_key.revoked': 'keys:read',
  'api_key.rolled': 'keys:read',
  'api_key.expiring': 'keys:read',
  'api_key.leaked': 'keys:read',
};

const CREATE = `mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id url events } secret }
}`;
const UPDATE = `mutation ($id: ID!, $input: UpdateWebhookInput!) {
  updateWebhook(id: $id, input: $input) { id url events }
}`;
const DELETE = 'mutation ($id: ID!) { deleteWebhook(id: $id) { id } }';
const LIST = '{ webhooks { id url events } }';

describeIntegrationOnOneTier(
  `webhooks honour the scopes of the key that subscribes`,
  {
    env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '1000' },
  },
  (harness) => {
  let receiver: LocalServer;
  let org: TestOrganization;
  /** Holds only webhooks:manage: may manage endpoints, may read no event data. */
  let manageOnly: string;

  beforeAll(async () => {
    receiver = await LocalServer.start();
    org = await harness.organization('TEST');
    manageOnly = (await harness.makeKey({ organization: org, scopes: ['webhooks:manage'] })).secret;
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(async () => {
    const listed = await harness.request(LIST, { key: org.adminKey });
    for (const { id } of listed.body.data!.webhooks) await harness.request(DELETE, { key: org.adminKey, variables: { id } });
    receiver.received.length = 0;
  });

  const subscribe = (key: string, events: string[], path = '/stolen') =>
    harness.request(CREATE, { key, variables: { input: { url: receiver.url(path), events } } });

  async function webhookUrls(): Promise<string[]> {
    const listed = await harness.request(LIST, { key: org.adminKey });
    return listed.body.data!.webhooks.map((webhook: { url: string }) => webhook.url);
  }

  it('refuses a webhooks:manage-only key that subscribes to booking.created, naming the scope', async () => {
    const response = await subscribe(manageOnly, ['booking.created']);
    expect(response.body.data?.createWebhook ?? null).toBeNull();
    const [error] = response.body.errors!;
    expect(error!.extensions).toMatchObject({ code: 'FORBIDDEN', type: 'permission_error', requiredScopes: [['bookings:read']] });
    expect(error!.path).toEqual(['createWebhook']);
    expect(error!.message).toContain('booking.created');
    expect(error!.message).toContain('bookings:read');
    // Field level: the refusal travels with HTTP 200, like any other missing scope.
    expect(response.status).toBe(200);
    expect(await webhookUrls()).toEqual([]);
  });

  it('refuses a webhooks:manage-only key that subscribes to api_key.created, naming the scope', async () => {
    const response = await subscribe(manageOnly, ['api_key.created']);
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScopes: [['keys:read']] });
    expect(response.body.errors![0]!.message).toMatch(/api_key\.created.*keys:read/);
    expect(await webhookUrls()).toEqual([]);
  });

  it('names every scope a mixed subscription lacks', async () => {
    const response = await subscribe(manageOnly, ['booking.cancelled', 'api_key.revoked']);
    const [error] = response.body.errors!;
    expect(error!.extensions.code).toBe('FORBIDDEN');
    expect(error!.extensions.requiredScopes).toEqual([['bookings:read', 'keys:read']]);
    expect(error!.message).toMatch(/booking\.cancelled.*bookings:read/);
    expect(error!.message).toMatch(/api_key\.revoked.*keys:read/);
  });

  it.each(Object.entries(REQUIRED_TO_READ))('subscribes to %s only with %s', async (event, scope) => {
    const without = await harness.makeKey({ organization: org, scopes: ['webhooks:manage', ...Object.values(REQUIRED_TO_READ).filter((s) => s !== scope)] });
    const refused = await subscribe(without.secret, [event]);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.body.errors![0]!.extensions.requiredScopes).toEqual([[scope]]);

    const holder = await harness.makeKey({ organization: org, scopes: ['webhooks:manage', scope] });
    const accepted = await subscribe(holder.secret, [event]);
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data!.createWebhook.webhook.events).toEqual([event]);
  });

  it('never sends attendee data to a receiver that a webhooks:manage-only key tried to subscribe', async () => {
    await subscribe(manageOnly, ['booking.created'], '/attendees');
    const host = await seedHost(harness, tenantOf(org));
    const eventType = await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
    const startAt = new Date(harness.clock.getTime() + 3 * 86_400_000);
    startAt.setUTCHours(10, 0, 0, 0);
    const booked = await harness.request(CREATE_BOOKING, {
      key: org.adminKey,
      variables: { input: { eventTypeId: eventType.id, startAt: startAt.toISOString(), attendee: attendee('Grace Hopper') } },
    });
    expect(booked.body.errors).toBeUndefined();
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/attendees')).toEqual([]);
  });

  it('refuses adding an event by update that the key could not subscribe to at creation', async () => {
    const holder = await harness.makeKey({ organization: org, scopes: ['webhooks:manage', 'bookings:read'] });
    const created = await subscribe(holder.secret, ['booking.created']);
    const { id } = created.body.data!.createWebhook.webhook;

    const response = await harness.request(UPDATE, { key: holder.secret, variables: { id, input: { events: ['booking.created', 'api_key.rolled'] } } });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScopes: [['bookings:read', 'keys:read']] });
    expect(response.body.errors![0]!.message).toMatch(/api_key\.rolled.*keys:read/);
    const listed = await harness.request(LIST, { key: org.adminKey });
    expect(listed.body.data!.webhooks).toEqual([expect.objectContaining({ id, events: ['booking.created'] })]);
  });

  it("refuses pointing someone else's booking webhook at the caller's own receiver", async () => {
    const created = await subscribe(org.adminKey, ['booking.created'], '/crm');
    const { id } = created.body.data!.createWebhook.webhook;

    const response = await harness.request(UPDATE, { key: manageOnly, variables: { id, input: { url: receiver.url('/stolen') } } });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScopes: [['bookings:read']] });
    expect(await webhookUrls()).toEqual([receiver.url('/crm')]);
  });

  it('lets a key that reads the data change the webhook that carries it', async () => {
    const created = await subscribe(org.adminKey, ['booking.created'], '/crm');
    const { id } = created.body.data!.createWebhook.webhook;
    const holder = await harness.makeKey({ organization: org, scopes: ['webhooks:manage', 'bookings:read'] });
    const response = await harness.request(UPDATE, { key: holder.secret, variables: { id, input: { url: receiver.url('/crm-v2') } } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.updateWebhook.url).toBe(receiver.url('/crm-v2'));
  });
});

const MAX = 3;

describeIntegrationOnOneTier(
  `an organization has a bounded number of webhook endpoints per world`,
  {
    env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_MAX_ENDPOINTS: String(MAX) },
  },
  (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization('TEST');
  });

  const create = (key: string, url: string) =>
    harness.request(CREATE, { key, variables: { input: { url, events: ['booking.created'] } } });
  const count = async (key: string) => (await harness.request(LIST, { key })).body.data!.webhooks.length as number;

  it('refuses one endpoint more than WEBHOOK_MAX_ENDPOINTS, and takes one again after a delete', async () => {
    const ids: string[] = [];
    for (let n = 0; n < MAX; n++) {
      const response = await create(org.adminKey, `http://127.0.0.1:9/hook-${n}`);
      expect(response.body.errors).toBeUndefined();
      ids.push(response.body.data!.createWebhook.webhook.id);
    }
    const refused = await create(org.adminKey, 'http://127.0.0.1:9/one-too-many');
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RESOURCE_LIMIT_REACHED', limit: MAX });
    expect(refused.body.errors![0]!.message).toContain(String(MAX));
    expect(await count(org.adminKey)).toBe(MAX);

    // The limit is per organization and world: the live world and another organization have their own.
    const live = await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' });
    expect((await create(live.secret, 'https://93.184.215.14/hook')).body.errors).toBeUndefined();
    const stranger = await harness.organization('TEST');
    expect((await create(stranger.adminKey, 'http://127.0.0.1:9/stranger')).body.errors).toBeUndefined();

    await harness.request(DELETE, { key: org.adminKey, variables: { id: ids[0] } });
    expect((await create(org.adminKey, 'http://127.0.0.1:9/replacement')).body.errors).toBeUndefined();
    expect(await count(org.adminKey)).toBe(MAX);
  });

  it('holds the limit when many creations arrive at once', async () => {
    const crowd = await harness.organization('TEST');
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, n) => create(crowd.adminKey, `http://127.0.0.1:9/crowd-${n}`)),
    );
    const created = responses.filter((response) => response.body.data?.createWebhook);
    expect(created).toHaveLength(MAX);
    for (const response of responses.filter((r) => !r.body.data?.createWebhook)) {
      expect(errorCode(response)).toBe('RESOURCE_LIMIT_REACHED');
    }
    expect(await count(crowd.adminKey)).toBe(MAX);
  });
});
