import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { enqueueWebhookEvent } from '../../src/modules/webhooks/outbox.js';
import type { TestOrganization } from '../helpers/harness.js';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { loadSignatureRecipe, type VerifySignature } from '../helpers/signature-recipe.js';

const CREATE_WEBHOOK = `mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret webhook { id url events description } }
}`;
const CREATE_KEY = `mutation ($name: String!) {
  createApiKey(input: { name: $name, type: SECRET, environment: TEST, scopes: ["bookings:read"], expiresIn: NEVER }) { secret apiKey { id } }
}`;
const DELIVERIES = `query ($id: ID!) {
  webhook(id: $id) {
    deliveries { nodes { id event eventId status attempts responseStatus durationMs nextAttemptAt lastError } }
    stats { total pending succeeded failed successRate }
  }
}`;

describeIntegration('webhook delivery', { env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '300' } }, (harness) => {
  let receiver: LocalServer;
  let org: TestOrganization;
  let verify: VerifySignature;

  beforeAll(async () => {
    receiver = await LocalServer.start();
    org = await harness.organization('TEST');
    verify = await loadSignatureRecipe();
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(() => {
    receiver.received.length = 0;
    receiver.reply = () => ({ status: 200 });
  });

  async function webhookFor(path: string, events = ['api_key.created']) {
    const response = await harness.request(CREATE_WEBHOOK, {
      key: org.adminKey,
      variables: { input: { url: receiver.url(path), events, description: path } },
    });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createWebhook as { secret: string; webhook: { id: string } };
  }

  async function createKey(name: string) {
    const response = await harness.request(CREATE_KEY, { key: org.adminKey, variables: { name } });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.createApiKey as { secret: string; apiKey: { id: string } };
  }

  async function deliveriesOf(webhookId: string) {
    const response = await harness.request(DELIVERIES, { key: org.adminKey, variables: { id: webhookId } });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.webhook as { deliveries: { nodes: any[] }; stats: any };
  }

  it('shows the signing secret once and stores it only encrypted', async () => {
    const { secret, webhook } = await webhookFor('/secret-once');
    expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    const listed = await harness.request('{ webhooks { id url events } }', { key: org.adminKey });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const rows = await harness.database.query(`select * from webhooks where id = '${webhook.id}'`);
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('POSTs a signed event that the README recipe verifies, without the key secret', async () => {
    const { secret, webhook } = await webhookFor('/signed');
    const created = await createKey('signed');
    expect(await harness.app.webhooks.deliverDueWebhooks()).toBeGreaterThanOrEqual(1);

    const [request] = receiver.to('/signed');
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request!.body);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    expect(body.type).toBe('api_key.created');
    expect(body.data.apiKey.id).toBe(created.apiKey.id);
    expect(request!.body).not.toContain(created.secret);
    expect(request!.body).not.toMatch(/hash/i);

    const header = request!.headers['tessera-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = harness.clock.getTime();
    expect(verify(request!.body, header, secret, 300, now)).toBe(true);
    expect(verify(request!.body.replace('api_key.created', 'api_key.revoked'), header, secret, 300, now)).toBe(false);
    expect(verify(request!.body, header, 'whsec_wrong', 300, now)).toBe(false);
    expect(verify(request!.body, header, secret, 300, now + 3_600_000)).toBe(false);

    const { deliveries, stats } = await deliveriesOf(webhook.id);
    expect(deliveries.nodes[0]).toMatchObject({ event: 'api_key.created', eventId: body.id, status: 'SUCCEEDED', attempts: 1, responseStatus: null });
    expect(deliveries.nodes[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(stats).toEqual({ total: 1, pending: 0, succeeded: 1, failed: 0, successRate: 1 });
  });

  it('tells a receiver about a booking and its cancellation, signed', async () => {
    const { secret } = await webhookFor('/bookings', ['booking.created', 'booking.cancelled']);
    const host = await seedHost(harness, tenantOf(org));
    const eventType = await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
    const startAt = new Date(harness.clock.getTime() + 3 * 86_400_000);
    startAt.setUTCHours(10, 0, 0, 0);
    const created = await harness.request(CREATE_BOOKING, {
      key: org.adminKey,
      variables: { input: { eventTypeId: eventType.id, startAt: startAt.toISOString(), attendee: attendee() } },
    });
    expect(created.body.errors).toBeUndefined();
    const bookingId = created.body.data!.createBooking.id;
    await harness.request('mutation ($id: ID!) { cancelBooking(id: $id, reason: "ill") { id } }', { key: org.adminKey, variables: { id: bookingId } });
    await harness.app.webhooks.deliverDueWebhooks();

    const requests = receiver.to('/bookings');
    expect(requests.map((request) => JSON.parse(request.body).type).sort()).toEqual(['booking.cancelled', 'booking.created']);
    for (const request of requests) {
      expect(JSON.parse(request.body).data.booking.id).toBe(bookingId);
      expect(verify(request.body, request.headers['tessera-signature'] as string, secret, 300, harness.clock.getTime())).toBe(true);
    }
  });

  it('retries a non-2xx answer after a backoff, then succeeds', async () => {
    const { webhook } = await webhookFor('/flaky');
    let calls = 0;
    receiver.reply = () => ({ status: ++calls === 1 ? 500 : 200 });
    await createKey('flaky');
    await harness.app.webhooks.deliverDueWebhooks();

    let [delivery] = (await deliveriesOf(webhook.id)).deliveries.nodes;
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, responseStatus: null, lastError: 'http_error' });
    const wait = new Date(delivery.nextAttemptAt).getTime() - harness.clock.getTime();
    expect(wait).toBeGreaterThanOrEqual(30_000);
    expect(wait).toBeLessThanOrEqual(60_000);

    // Not due yet: nothing is sent.
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/flaky')).toHaveLength(1);

    harness.advance(60_000);
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/flaky')).toHaveLength(2);
    [delivery] = (await deliveriesOf(webhook.id)).deliveries.nodes;
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 2, responseStatus: null, nextAttemptAt: null, lastError: null });
    // The same event both times, so receivers can de-duplicate.
    const [first, second] = receiver.to('/flaky').map((request) => JSON.parse(request.body).id);
    expect(second).toBe(first);
  });

  it('counts a receiver that does not answer in time as a failed attempt', async () => {
    const { webhook } = await webhookFor('/hangs');
    receiver.reply = () => 'hang';
    await createKey('hangs');
    await harness.app.webhooks.deliverDueWebhooks();
    const [delivery] = (await deliveriesOf(webhook.id)).deliveries.nodes;
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, responseStatus: null, lastError: 'timeout' });
    expect(delivery.nextAttemptAt).not.toBeNull();
  });

  it('gives up after 8 attempts, then redelivery sends the same event again', async () => {
    const { webhook } = await webhookFor('/down');
    receiver.reply = () => ({ status: 503 });
    await createKey('down');
    for (let attempt = 1; attempt <= 8; attempt++) {
      await harness.app.webhooks.deliverDueWebhooks();
      harness.advance(24 * 60 * 60_000);
    }
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/down')).toHaveLength(8);
    const { deliveries, stats } = await deliveriesOf(webhook.id);
    expect(deliveries.nodes[0]).toMatchObject({ status: 'FAILED', attempts: 8, responseStatus: null, lastError: 'http_error', nextAttemptAt: null });
    expect(stats).toMatchObject({ total: 1, failed: 1, successRate: 0 });

    receiver.reply = () => ({ status: 204 });
    const redelivered = await harness.request(
      'mutation ($id: ID!) { redeliverWebhookEvent(deliveryId: $id) { id status attempts eventId } }',
      { key: org.adminKey, variables: { id: deliveries.nodes[0].id } },
    );
    expect(redelivered.body.data!.redeliverWebhookEvent).toMatchObject({ status: 'PENDING', attempts: 0, eventId: deliveries.nodes[0].eventId });
    await harness.app.webhooks.deliverDueWebhooks();
    const requests = receiver.to('/down');
    expect(requests).toHaveLength(9);
    expect(JSON.parse(requests[8]!.body).id).toBe(deliveries.nodes[0].eventId);
    expect((await deliveriesOf(webhook.id)).stats).toMatchObject({ total: 2, succeeded: 1, failed: 1, successRate: 0.5 });
  });

  it('signs with the new secret from the moment it is rotated', async () => {
    const { secret: oldSecret, webhook } = await webhookFor('/rotated');
    const rotated = await harness.request('mutation ($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', {
      key: org.adminKey,
      variables: { id: webhook.id },
    });
    const newSecret = rotated.body.data!.rotateWebhookSecret.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    await createKey('rotated');
    await harness.app.webhooks.deliverDueWebhooks();
    const [request] = receiver.to('/rotated');
    const header = request!.headers['tessera-signature'] as string;
    expect(verify(request!.body, header, newSecret, 300, harness.clock.getTime())).toBe(true);
    expect(verify(request!.body, header, oldSecret, 300, harness.clock.getTime())).toBe(false);
  });

  it('sends an event only to webhooks of its organization and world that subscribed to it', async () => {
    await webhookFor('/subscribed', ['api_key.created']);
    await webhookFor('/other-events', ['booking.created']);
    const stranger = await harness.organization('TEST');
    await harness.request(CREATE_WEBHOOK, {
      key: stranger.adminKey,
      variables: { input: { url: receiver.url('/stranger'), events: ['api_key.created'] } },
    });
    await createKey('scoped');
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/subscribed')).toHaveLength(1);
    expect(receiver.to('/other-events')).toHaveLength(0);
    expect(receiver.to('/stranger')).toHaveLength(0);
  });

  it('drops pending deliveries with their webhook', async () => {
    const { webhook } = await webhookFor('/deleted');
    await createKey('deleted');
    await harness.request('mutation ($id: ID!) { deleteWebhook(id: $id) { id } }', { key: org.adminKey, variables: { id: webhook.id } });
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/deleted')).toHaveLength(0);
  });

  it('writes the event with the change that caused it, or not at all', async () => {
    await webhookFor('/rolled-back', ['booking.created']);
    const tenant = { organizationId: org.organizationId, environment: 'TEST' as const };
    await expect(
      harness.db.transaction(async (tx) => {
        await enqueueWebhookEvent(tx, tenant, 'booking.created', { booking: { id: 'bkg_x' } }, harness.clock);
        throw new Error('the booking failed');
      }),
    ).rejects.toThrow('the booking failed');
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/rolled-back')).toHaveLength(0);
  });

  it('announces revoked and rolled keys, never with their secrets', async () => {
    await webhookFor('/key-events', ['api_key.revoked', 'api_key.rolled']);
    const rolled = await createKey('to roll');
    const roll = await harness.request('mutation ($id: ID!) { rollApiKey(id: $id) { secret apiKey { id } } }', {
      key: org.adminKey,
      variables: { id: rolled.apiKey.id },
    });
    const successor = roll.body.data!.rollApiKey as { secret: string; apiKey: { id: string } };
    await harness.request('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { key: org.adminKey, variables: { id: successor.apiKey.id } });
    await harness.app.webhooks.deliverDueWebhooks();
    const bodies = receiver.to('/key-events').map((request) => JSON.parse(request.body));
    expect(bodies.map((body) => body.type).sort()).toEqual(['api_key.revoked', 'api_key.rolled']);
    const rolledEvent = bodies.find((body) => body.type === 'api_key.rolled');
    expect(rolledEvent.data.apiKey.id).toBe(rolled.apiKey.id);
    expect(rolledEvent.data.newApiKey.id).toBe(successor.apiKey.id);
    const raw = receiver.to('/key-events').map((request) => request.body).join('\n');
    expect(raw).not.toContain(rolled.secret);
    expect(raw).not.toContain(successor.secret);
  });

  it('announces a key expiring within 7 days exactly once', async () => {
    await webhookFor('/expiring', ['api_key.expiring']);
    const response = await harness.request(
      'mutation { createApiKey(input: { name: "short-lived", type: SECRET, environment: TEST, scopes: ["bookings:read"], expiresIn: DAYS_30 }) { apiKey { id expiresAt } } }',
      { key: org.adminKey },
    );
    const key = response.body.data!.createApiKey.apiKey;
    harness.advance(22 * 24 * 60 * 60_000);
    await harness.app.webhooks.tick();
    expect(receiver.to('/expiring')).toHaveLength(0);

    harness.advance(2 * 24 * 60 * 60_000);
    await harness.app.webhooks.tick();
    await harness.app.webhooks.tick();
    harness.advance(24 * 60 * 60_000);
    await harness.app.webhooks.tick();
    const sent = receiver.to('/expiring').map((request) => JSON.parse(request.body));
    expect(sent).toHaveLength(1);
    expect(sent[0].data).toMatchObject({ apiKey: { id: key.id }, expiresAt: key.expiresAt });
  });
});
