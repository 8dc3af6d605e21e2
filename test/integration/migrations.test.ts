import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { afterAll, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { maintainAuditPartitions } from '../../src/modules/audit/audit-partitions.js';
import { describeOnTier } from '../helpers/integration.js';
import { createDatabaseUrl, openUnmigratedDatabase, testTier } from '../helpers/test-database.js';

describeOnTier('migrations', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it.skipIf(testTier() !== 'postgres')('run without the statement timeout the traffic has (a migration may copy a large table)', async () => {
    const { url, drop } = await createDatabaseUrl({ migrated: false });
    cleanup.push(drop);
    // 1 ms: the traffic's bound would cancel the first statement. (Nothing else may use this handle's pool.)
    const bounded = await openDatabase(url, { timeouts: { connectTimeoutMs: 3000, statementTimeoutMs: 1 } });
    cleanup.push(() => bounded.close());
    await migrateDatabase(bounded);
    const handle = await openDatabase(url);
    cleanup.push(() => handle.close());
    const [row] = await handle.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations');
    expect(Number(row?.count)).toBeGreaterThan(3);
  });

  it.skipIf(testTier() !== 'postgres')('let several instances start at once against one PostgreSQL', async () => {
    const { url, drop } = await createDatabaseUrl({ migrated: false });
    cleanup.push(drop);
    const handles: DatabaseHandle[] = await Promise.all([1, 2, 3].map(() => openDatabase(url)));
    cleanup.push(async () => {
      await Promise.all(handles.map((handle) => handle.close()));
    });
    await Promise.all(handles.map((handle) => migrateDatabase(handle)));
    const [row] = await handles[0]!.query<{ count: number }>(
      'select count(*)::int as count from drizzle.__drizzle_migrations',
    );
    const migrationFiles = (await import('node:fs')).readdirSync(new URL('../../drizzle', import.meta.url)).filter((f) => f.endsWith('.sql'));
    expect(Number(row?.count)).toBe(migrationFiles.length);
  });

  // One database walks through the history, as an installation upgraded release by release would:
  // each test below takes it from where the one before left it (a full migration costs seconds on
  // the embedded database, once is enough).
  let history: DatabaseHandle;

  it('keeps every audit record when audit_events becomes partitioned by month (0003)', async () => {
    const handle = await openUnmigratedDatabase();
    cleanup.push(() => handle.close());
    history = handle;
    await migrateUpTo(handle, '0002_key_recipient_and_lifetime');

    const month = (offset: number) => {
      const now = new Date();
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 15));
    };
    const records = {
      ancient: new Date('1990-01-01T00:00:00Z'),
      threeMonthsAgo: month(-3),
      thisMonth: month(0),
      alsoThisMonth: new Date(month(0).getTime() + 1000),
      farFuture: new Date('2100-01-01T00:00:00Z'),
    };
    const values = Object.entries(records)
      .map(([id, at]) => `('${id}', 'org_x', 'TEST', 'graphql.query', 'ok', '${at.toISOString()}')`)
      .join(', ');
    await handle.query(`insert into audit_events (id, organization_id, environment, action, outcome, created_at) values ${values}`);

    await migrateUpTo(handle, '0006_service_accounts');

    const rows = await handle.query<{ id: string; created_at: Date; partition: string }>(
      'select id, created_at, tableoid::regclass::text as partition from audit_events order by created_at',
    );
    const monthName = (at: Date) => `audit_events_${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(rows.map((row) => [row.id, new Date(row.created_at).toISOString(), row.partition])).toEqual([
      ['ancient', records.ancient.toISOString(), 'audit_events_default'],
      ['threeMonthsAgo', records.threeMonthsAgo.toISOString(), monthName(records.threeMonthsAgo)],
      ['thisMonth', records.thisMonth.toISOString(), monthName(records.thisMonth)],
      ['alsoThisMonth', records.alsoThisMonth.toISOString(), monthName(records.thisMonth)],
      ['farFuture', records.farFuture.toISOString(), 'audit_events_default'],
    ]);
    const [table] = await handle.query<{ kind: string }>(`select relkind as kind from pg_class where relname = 'audit_events'`);
    expect(table!.kind).toBe('p');
    expect(await handle.query(`select 1 from pg_class where relname = 'audit_events_unpartitioned'`)).toEqual([]);
  });

  it('adds request_id to the partitioned audit_events, its partitions and the months made after it (0007)', async () => {
    const handle = history; // at 0006
    // A record of a month that has no partition yet waits in the default partition.
    const later = new Date(Date.UTC(new Date().getUTCFullYear() + 5, 0, 15));
    await handle.query(
      `insert into audit_events (id, organization_id, environment, action, outcome, created_at) values ('before', 'org_y', 'TEST', 'graphql.query', 'ok', '${later.toISOString()}')`,
    );

    await migrateDatabase(handle);

    const withoutColumn = await handle.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'audit_events'::regclass
          and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'request_id' and not a.attisdropped)`,
    );
    expect(withoutColumn).toEqual([]);
    await handle.query(
      `insert into audit_events (id, organization_id, environment, action, outcome, request_id, created_at) values ('after', 'org_y', 'TEST', 'graphql.query', 'ok', 'req-1', '${later.toISOString()}')`,
    );
    // The retention job makes that month (LIKE the parent) and moves both records into it.
    await maintainAuditPartitions(handle, later, 100_000, 1000);
    const rows = await handle.query<{ id: string; request_id: string | null; partition: string }>(
      `select id, request_id, tableoid::regclass::text as partition from audit_events where organization_id = 'org_y' order by id`,
    );
    const month = `audit_events_${later.getUTCFullYear()}_01`;
    expect(rows).toEqual([
      { id: 'after', request_id: 'req-1', partition: month },
      { id: 'before', request_id: null, partition: month },
    ]);
  });

  it('run again on an already migrated database without changing anything', async () => {
    const count = async () => (await history.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations'))[0]!.count;
    const before = Number(await count());
    expect(before).toBeGreaterThan(0);
    await migrateDatabase(history);
    await migrateDatabase(history);
    expect(Number(await count())).toBe(before);
  });
});

/**
 * Applies the committed migrations up to and including `lastTag`, the way
 * migrateDatabase would have before the later ones existed: from a copy of
 * drizzle/ whose journal ends there.
 */
async function migrateUpTo(handle: DatabaseHandle, lastTag: string): Promise<void> {
  const source = fileURLToPath(new URL('../../drizzle', import.meta.url));
  const folder = mkdtempSync(join(tmpdir(), 'tessera-migrations-'));
  try {
    const journal = JSON.parse(readFileSync(join(source, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === lastTag) + 1);
    mkdirSync(join(folder, 'meta'));
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify(journal));
    for (const { tag } of journal.entries) copyFileSync(join(source, `${tag}.sql`), join(folder, `${tag}.sql`));
    if (handle.kind === 'pglite') await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder: folder });
    else await migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder: folder });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
