import { expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { dumpAllRows } from '../helpers/dump.js';
import { describeOnTier } from '../helpers/integration.js';
import { createTestDatabase, testTier } from '../helpers/test-database.js';

/** Which PGlite instance a handle is on: each one starts its own PostgreSQL. */
const instanceOf = async (database: DatabaseHandle) =>
  (await database.query<{ started: string }>('select pg_postmaster_start_time()::text as started'))[0]!.started;

/** The rows of every table but Drizzle's record of the migrations, which a copy of the template has too. */
const rowsOf = async (database: DatabaseHandle) =>
  (await dumpAllRows(database)).text.split('\n').filter((line) => !line.startsWith('--') && !line.includes('"hash"'));

// test/helpers/reused-pglite.ts: in the projects whose workers keep their modules, a file's closed in-memory
// database goes, emptied, to the next file of the worker. What the next file gets must be a fresh copy's equal.
describeOnTier('in-memory test databases handed from file to file', () => {
  it.skipIf(testTier() !== 'pglite' || process.env.TEST_WORKER_KEEPS_MODULES !== 'true')('are handed on empty, sequences restarted, the session reset, and closed for the file that closed them', async () => {
    const first = await createTestDatabase();
    const instance = await instanceOf(first);
    expect(await rowsOf(first)).toEqual([]);
    await bootstrapOrganization(first.db, { organizationName: 'Left behind', adminEmail: 'ops@left.test', environment: 'TEST' }, new Date(), 'test');
    await first.query(`select nextval('booking_events_sequence_seq'), nextval('booking_events_sequence_seq')`);
    await first.query(`set statement_timeout = '7s'`);
    expect((await rowsOf(first)).length).toBeGreaterThan(0);
    await first.close();
    await expect(first.query('select 1')).rejects.toThrow(/closed/);
    await expect(first.ping()).rejects.toThrow(/closed/);

    const next = await createTestDatabase();
    try {
      expect(await instanceOf(next)).toBe(instance);
      expect(await rowsOf(next)).toEqual([]);
      expect(await next.query(`select nextval('booking_events_sequence_seq')::int as value`)).toEqual([{ value: 1 }]);
      expect(await next.query('show statement_timeout')).toEqual([{ statement_timeout: '0' }]);
      // The first file's handle stays closed now that its database serves another.
      await expect(first.query('select 1')).rejects.toThrow(/closed/);
    } finally {
      await next.close();
    }
  });

  it.skipIf(testTier() !== 'pglite' || process.env.TEST_WORKER_KEEPS_MODULES !== 'true')('are not handed on when a file changed the schema or left a transaction open', async () => {
    for (const leftBehind of ['alter table organizations add column remembered int', 'begin']) {
      const first = await createTestDatabase();
      const instance = await instanceOf(first);
      await first.query(leftBehind);
      await first.close();

      const next = await createTestDatabase();
      try {
        expect(await instanceOf(next), leftBehind).not.toBe(instance);
        expect(await next.query(`select count(*)::int as n from information_schema.columns where column_name = 'remembered'`)).toEqual([{ n: 0 }]);
      } finally {
        await next.close();
      }
    }
  });
});
