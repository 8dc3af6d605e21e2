/**
 * What a SIGKILL can cost the audit log, rule by rule (docs/operations.md,
 * "Data growth and retention"): request records wait in memory at most about
 * one AUDIT_FLUSH_INTERVAL_MS; records dropped are counted and logged; key
 * changes and refused authentications never wait in memory at all.
 */
import { and, eq, or } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { auditEvents } from '../../src/db/schema/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { newId } from '../../src/lib/random.js';
import { RequestAuditLog } from '../../src/modules/audit/request-audit-log.js';
import { createdKey, revokeKey } from '../helpers/api-keys.js';
import { eventually } from '../helpers/eventually.js';
import { TestHarness } from '../helpers/harness.js';
import { describeOnTier } from '../helpers/integration.js';
import { createTestDatabase } from '../helpers/test-database.js';

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

/** A database whose statements (the audit log's one bulk insert) fail like a dropped connection. */
function unreachable(db: Database): Database {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'execute') {
        return () => Promise.reject(Object.assign(new Error('connection ended'), { code: 'CONNECTION_ENDED' }));
      }
      return Reflect.get(target, property, receiver);
    },
  }) as Database;
}

const requestRecord = () => ({
  id: newId('evt'),
  organizationId: 'org_x',
  environment: 'TEST' as const,
  apiKeyId: 'key_x',
  action: 'graphql.query',
  rootFields: [],
  outcome: 'ok' as const,
  createdAt: new Date(),
});

describeOnTier('audit loss on a kill', () => {
  it('writes a request record within about one AUDIT_FLUSH_INTERVAL_MS, without being asked to', async () => {
    const harness = await TestHarness.start({ AUDIT_FLUSH_INTERVAL_MS: '100' });
    try {
      const org = await harness.organization();
      await harness.request('query Timed { viewer { scopes } }', { key: org.adminKey });
      expect(harness.app.auditLog.buffered).toBe(1);
      const waited = await eventually(async () => {
        const rows = await harness.db.select().from(auditEvents).where(eq(auditEvents.operationName, 'Timed'));
        return rows.length === 1;
      }, 2000, 'the timed flush');
      expect(waited).toBeLessThan(1000);
      expect(harness.app.auditLog.buffered).toBe(0);
    } finally {
      await harness.stop();
    }
  });

  it('writes key changes and refused authentications before answering, with request records still buffered', async () => {
    const harness = await TestHarness.start({ AUDIT_FLUSH_INTERVAL_MS: '60000' });
    try {
      const org = await harness.organization();
      const created = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
      await revokeKey(harness, org.adminKey, created.id);
      const refused = await harness.request('{ viewer { scopes } }', { key: created.secret });
      expect(refused.status).toBe(401);

      const about = or(eq(auditEvents.targetId, created.id), eq(auditEvents.apiKeyId, created.id));
      const stored = async (action: string) => (await harness.db.select().from(auditEvents).where(and(about, eq(auditEvents.action, action)))).length;
      expect(await stored('api_key.created')).toBe(1);
      expect(await stored('api_key.revoked')).toBe(1);
      expect(await stored('authentication.refused')).toBe(1);
      // The mutations' own request records are the ones still in memory.
      expect(harness.app.auditLog.buffered).toBeGreaterThanOrEqual(2);
    } finally {
      await harness.stop();
    }
  });

  it('writes the rest of a batch the database refuses a record of, and counts and logs that one as dropped', async () => {
    const database = await createTestDatabase();
    const { logger, lines } = capturedLogger();
    const log = new RequestAuditLog(database.db, { flushIntervalMs: 60_000, maxBuffered: 1000 }, logger);
    try {
      const good = Array.from({ length: 6 }, requestRecord);
      // PostgreSQL text cannot hold NUL: no request record carries one today, and none may block the others.
      const poisoned = { ...requestRecord(), userAgent: 'agent\u0000' };
      for (const record of [...good.slice(0, 3), poisoned, ...good.slice(3)]) log.record(record);
      await log.flush();
      expect(log.buffered).toBe(0);
      expect(log.dropped).toBe(1);
      expect(log.written).toBe(6);
      const ids = await database.db.select({ id: auditEvents.id }).from(auditEvents);
      expect(ids.map((row) => row.id).sort()).toEqual(good.map((record) => record.id).sort());
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 50, id: poisoned.id, action: 'graphql.query', msg: 'the database refused an audit record; dropped it' }),
      );
      // Its content stays out of the log line: only what identifies it.
      expect(JSON.stringify(lines)).not.toContain('agent');
    } finally {
      await log.stop();
      await database.close();
    }
  });

  it('counts and logs the records it drops when the buffer is full', async () => {
    const database = await createTestDatabase();
    const { logger, lines } = capturedLogger();
    const log = new RequestAuditLog(unreachable(database.db), { flushIntervalMs: 60_000, maxBuffered: 100 }, logger);
    try {
      for (let i = 0; i < 103; i++) log.record(requestRecord());
      expect(log.dropped).toBe(3);
      expect(lines).toContainEqual(expect.objectContaining({ level: 50, dropped: 1, msg: 'audit buffer full; dropping request records' }));
    } finally {
      await log.stop();
      await database.close();
    }
  });

  it('counts and logs the records a stop could not write, instead of losing them silently', async () => {
    const database = await createTestDatabase();
    const { logger, lines } = capturedLogger();
    const log = new RequestAuditLog(unreachable(database.db), { flushIntervalMs: 60_000, maxBuffered: 100 }, logger);
    try {
      for (let i = 0; i < 5; i++) log.record(requestRecord());
      await log.stop();
      expect(log.buffered).toBe(0);
      expect(log.dropped).toBe(5);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 50, lost: 5, dropped: 5, msg: 'could not write audit records before stopping; they are lost' }),
      );
    } finally {
      await database.close();
    }
  });
});
