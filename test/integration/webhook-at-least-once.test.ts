import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { systemResolver } from '../../src/lib/outbound-url.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { claimDueDeliveries } from '../../src/modules/webhooks/delivery-claims.js';
import { enqueueWebhookEvent } from '../../src/modules/webhooks/outbox.js';
import { WebhookWorker } from '../../src/modules/webhooks/webhook-worker.js';
import { eventually } from '../helpers/eventually.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer, type ReceivedRequest } from '../helpers/local-server.js';
import { loadSignatureRecipe } from '../helpers/signature-recipe.js';

const ENCRYPTION_KEY = randomBytes(32);
const TIMEOUT_MS = 2000;
/** How long a claim lasts: the HTTP timeout plus the margin to record the result. */
const CLAIM_MS = TIMEOUT_MS + 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivery is at least once: a delivery is sent again after a failure, and
 * after a worker died holding it, always as the same event, so receivers can
 * de-duplicate; a dead worker's claim is retaken soon, a live one's never.
 */
describeIntegration(
  'webhook delivery, at least once',
  { env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), ENCRYPTION_KEY: ENCRYPTION_KEY.toString('base64') } },
  (harness) => {
    let receiver: LocalServer;
    let org: TestOrganization;
    let secret: string;

    beforeAll(async () => {
      receiver = await LocalServer.start();
      org = await harness.organization('TEST');
      const response = await harness.request(
        'mutation ($url: String!) { createWebhook(input: { url: $url, events: ["booking.created"] }) { secret } }',
        { key: org.adminKey, variables: { url: receiver.url('/hook') } },
      );
      expect(response.body.errors).toBeUndefined();
      secret = response.body.data!.createWebhook.secret;
    });
    afterAll(async () => {
      await receiver.close();
    });
    afterEach(async () => {
      receiver.received.length = 0;
      receiver.reply = () => ({ status: 200 });
      await harness.database.query('delete from webhook_deliveries');
    });

    async function enqueue(count: number): Promise<void> {
      const tenant = { organizationId: org.organizationId, environment: 'TEST' as const };
      await harness.db.transaction(async (tx) => {
        for (let n = 0; n < count; n++) await enqueueWebhookEvent(tx, tenant, 'booking.created', { booking: { id: `bkg_${n}` } }, harness.clock);
      });
    }

    const eventIdOf = (request: ReceivedRequest) => request.headers['tessera-event-id'];
    const attemptOf = (request: ReceivedRequest) => request.headers['tessera-delivery-attempt'];
    const deliveryRows = () => harness.database.query<{ status: string; attempts: number; last_error: string | null }>('select status, attempts, last_error from webhook_deliveries');

    it('names the event and the attempt in headers: the same event id on a retry, attempt 1 then 2', async () => {
      const verify = await loadSignatureRecipe();
      receiver.reply = (request) => ({ status: attemptOf(request) === '1' ? 500 : 200 });
      await enqueue(1);
      await harness.app.webhooks.deliverDueWebhooks();
      harness.advance(60_000);
      await harness.app.webhooks.deliverDueWebhooks();

      const [first, retry] = receiver.to('/hook');
      expect([attemptOf(first!), attemptOf(retry!)]).toEqual(['1', '2']);
      expect(eventIdOf(first!)).toMatch(/^whevt_/);
      expect(eventIdOf(retry!)).toBe(eventIdOf(first!));
      expect(JSON.parse(retry!.body).id).toBe(eventIdOf(retry!));
      // The signature covers the body, where the event id is too; the retry is signed afresh.
      for (const request of [first!, retry!]) {
        expect(verify(request.body, request.headers['tessera-signature'] as string, secret, 300, harness.clock.getTime())).toBe(true);
      }
    });

    it('retakes the claim of a worker that died once WEBHOOK_TIMEOUT_MS + 5 s have passed, not before', async () => {
      await enqueue(1);
      // A worker claims the delivery, then dies before sending or recording anything.
      const [abandoned] = await claimDueDeliveries(harness.db, { now: harness.clock, timeoutMs: TIMEOUT_MS, limit: 10 });
      expect(abandoned!.claimedUntil.getTime() - harness.clock.getTime()).toBe(CLAIM_MS);

      harness.advance(CLAIM_MS - 1);
      expect(await harness.app.webhooks.deliverDueWebhooks()).toBe(0);
      expect(receiver.to('/hook')).toHaveLength(0);

      harness.advance(1);
      expect(await harness.app.webhooks.deliverDueWebhooks()).toBe(1);
      const [request] = receiver.to('/hook');
      expect(eventIdOf(request!)).toBe(abandoned!.eventId);
      expect(attemptOf(request!)).toBe('2');
      expect(await deliveryRows()).toEqual([{ status: 'SUCCEEDED', attempts: 2, last_error: null }]);
    });

    it('never retakes the claim of a live worker whose request is within the timeout', async () => {
      receiver.reply = async () => {
        await sleep(300);
        return { status: 200 };
      };
      await enqueue(1);
      const live = harness.app.webhooks.deliverDueWebhooks();
      await eventually(() => receiver.to('/hook').length === 1, 2000, 'the first attempt');
      // As late as the claim allows: the request has used its whole timeout and is recording.
      harness.advance(CLAIM_MS - 1);
      expect(await harness.app.webhooks.deliverDueWebhooks()).toBe(0);
      expect(await live).toBe(1);
      expect(receiver.to('/hook')).toHaveLength(1);
      expect(await deliveryRows()).toEqual([{ status: 'SUCCEEDED', attempts: 1, last_error: null }]);
    });

    it('keeps the result of the attempt that retook a claim, not of the worker that overran it', async () => {
      receiver.reply = async (request) => {
        if (attemptOf(request) !== '1') return { status: 200 };
        await sleep(300);
        return { status: 500 };
      };
      await enqueue(1);
      const overrunning = harness.app.webhooks.deliverDueWebhooks();
      await eventually(() => receiver.to('/hook').length === 1, 2000, 'the first attempt');
      // The first worker stalls past its claim (a paused process, say): another takes the delivery.
      harness.advance(CLAIM_MS);
      expect(await harness.app.webhooks.deliverDueWebhooks()).toBe(1);
      await overrunning;
      expect(receiver.to('/hook').map(attemptOf)).toEqual(['1', '2']);
      expect(await deliveryRows()).toEqual([{ status: 'SUCCEEDED', attempts: 2, last_error: null }]);
    });

    it('stops after the deliveries in hand, leaving the backlog queued for the next start', async () => {
      receiver.reply = async () => {
        await sleep(300);
        return { status: 200 };
      };
      await enqueue(12);
      const worker = new WebhookWorker(
        harness.db,
        { pollIntervalMs: 20, timeoutMs: TIMEOUT_MS, batchSize: 2 },
        { secrets: new SecretBox(ENCRYPTION_KEY), resolver: systemResolver, now: () => harness.clock, logger: createLogger('silent') },
      );
      worker.start();
      await eventually(() => receiver.to('/hook').length === 2, 2000, 'the first batch');
      const stopAsked = Date.now();
      await worker.stop();
      const stoppedAfterMs = Date.now() - stopAsked;

      expect(stoppedAfterMs).toBeLessThan(TIMEOUT_MS);
      const rows = await deliveryRows();
      expect(rows.filter((row) => row.status === 'SUCCEEDED')).toHaveLength(2);
      expect(rows.filter((row) => row.status === 'PENDING' && row.attempts === 0)).toHaveLength(10);
      await sleep(200);
      expect(receiver.to('/hook')).toHaveLength(2);
    });
  },
);
