import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { DatabaseHandle } from './client.js';

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary constant naming "Tessera migrations" among advisory locks. */
const MIGRATION_LOCK_ID = 748_615_029;

/**
 * Applies the committed drizzle-kit migrations; safe to run on every start.
 * On PostgreSQL several instances may start at once, so they take turns
 * under an advisory lock, on a connection of their own with no statement
 * timeout (a migration may copy a large table); latecomers find everything
 * applied.
 */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  // One connection, no statement timeout: the lock and every migration on the same session.
  await handle.withoutStatementTimeout(async (db, sql) => {
    await sql!`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migratePostgres(db as unknown as PostgresJsDatabase, { migrationsFolder });
    } finally {
      await sql!`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {});
    }
  });
}
