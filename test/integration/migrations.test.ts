import { afterAll, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { describeOnTier } from '../helpers/integration.js';
import { createDatabaseUrl, testTier } from '../helpers/test-database.js';

describeOnTier('migrations', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('run again on an already migrated database without changing anything', async () => {
    const { url, drop } = await createDatabaseUrl();
    cleanup.push(drop);
    const handle = await openDatabase(url);
    cleanup.push(() => handle.close());
    await migrateDatabase(handle);
    await migrateDatabase(handle);
    const [row] = await handle.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations');
    expect(Number(row?.count)).toBeGreaterThan(0);
  });

  it.skipIf(testTier() !== 'postgres')('let several instances start at once against one PostgreSQL', async () => {
    const { url, drop } = await createDatabaseUrl();
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
});
