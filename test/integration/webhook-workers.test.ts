import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/lib/logger.js';
import { systemResolver } from '../../src/lib/outbound-url.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { enqueueWebhookEvent } from '../../src/modules/webhooks/outbox.js';
import { WebhookWorker } from '../../src/modules/webhooks/webhook-worker.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { testTier } from '../helpers/test-database.js';

const ENCRYPTION_KEY = randomBytes(32);

/**
 * Several server instances share one outbox. On PostgreSQL each worker here
 * has its own connection pool, as separate instances would; PGlite has a
 * single connection, so there the workers take turns.
 */
describeIntegration('webhook workers sharing a database', { env: { WEBHOOK_POLL_INTERVAL_MS: '0', ENCRYPTION_KEY: ENCRYPTION_KEY.toString('base64') } }, (harness) => {
  let receiver: LocalServer;
  let org: TestOrganization;
  let secondInstance: DatabaseHandle | undefined;

  beforeAll(async () => {
    receiver = await LocalServer.start();
    org = await harness.organization('TEST');
    if (testTier() === 'postgres') {
      const [row] = await harness.database.query<{ name: string }>('select current_database() as name');
      const url = new URL(inject('postgresAdminUrl')!);
      url.pathname = `/${row!.name}`;
      secondInstance = await openDatabase(url.toString());
    }
    const response = await harness.request(
      'mutation ($url: String!) { createWebhook(input: { url: $url, events: ["booking.created"] }) { webhook { id } } }',
      { key: org.adminKey, variables: { url: receiver.url('/shared') } },
    );
    expect(response.body.errors).toBeUndefined();
  });
  afterAll(async () => {
    await secondInstance?.close();
    await receiver.close();
  });

  const workerOver = (database: DatabaseHandle) =>
    new WebhookWorker(
      database.db,
      { pollIntervalMs: 0, timeoutMs: 5000, batchSize: 3 },
      { secrets: new SecretBox(ENCRYPTION_KEY), resolver: systemResolver, now: () => harness.clock, logger: createLogger('silent') },
    );

  async function enqueue(count: number): Promise<void> {
    const tenant = { organizationId: org.organizationId, environment: 'TEST' as const };
    await harness.db.transaction(async (tx) => {
      for (let n = 0; n < count; n++) await enqueueWebhookEvent(tx, tenant, 'booking.created', { booking: { id: `bkg_${n}` } }, harness.clock);
    });
  }

  const receivedEventIds = () => receiver.to('/shared').map((request) => JSON.parse(request.body).id as string);

  it('delivers each event exactly once when two workers run at the same time', async () => {
    receiver.received.length = 0;
    await enqueue(30);
    const first = workerOver(harness.database);
    const second = workerOver(secondInstance ?? harness.database);
    const [byFirst, bySecond] = await Promise.all([first.deliverDueWebhooks(), second.deliverDueWebhooks()]);

    const ids = receivedEventIds();
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    expect(byFirst + bySecond).toBe(30);
    // Nothing is left for a third round.
    expect(await first.deliverDueWebhooks()).toBe(0);
  });

  it.skipIf(testTier() !== 'postgres')('skips a delivery another worker holds, instead of waiting for it or sending it too', async () => {
    receiver.received.length = 0;
    await enqueue(3);
    const [held] = await harness.database.query<{ id: string; event_id: string }>(
      "select id, event_id from webhook_deliveries where status = 'PENDING' order by created_at, id limit 1",
    );
    const worker = workerOver(harness.database);
    await secondInstance!.db.transaction(async (tx) => {
      // Another instance is in the middle of claiming this one.
      await tx.execute(sql`select id from webhook_deliveries where id = ${held!.id} for update`);
      expect(await worker.deliverDueWebhooks()).toBe(2);
      expect(receivedEventIds()).not.toContain(held!.event_id);
    });
    expect(await worker.deliverDueWebhooks()).toBe(1);
    expect(receivedEventIds().filter((id) => id === held!.event_id)).toHaveLength(1);
  });
});
