/**
 * One isolated, migrated, empty database per test file, on the tier the
 * vitest project selects: PGlite in memory (`pglite`) or a fresh database in
 * the run's throw-away PostgreSQL cluster (`postgres`, see postgres-cluster.ts).
 * Both are copies of a template migrated once per run (pglite-template.ts,
 * postgres-cluster.ts) where the project provides one.
 *
 *   describeOnTier('bookings', () => {
 *     let database: DatabaseHandle;
 *     beforeAll(async () => { database = await createTestDatabase(); });
 *     afterAll(() => database.close());
 *   });
 *
 * Most suites want a whole app instead: describeIntegration (integration.ts).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { openDumpedPglite, reusedPostgresCopy, reusedTemplateCopy } from './reused-databases.js';

export type TestTier = 'pglite' | 'postgres';

export function testTier(): TestTier {
  return process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';
}

/** True in the postgres project when no PostgreSQL server was available (outside CI). */
export const postgresTierSkipped: boolean = testTier() === 'postgres' && !inject('postgresAdminUrl');

export async function createTestDatabase(): Promise<DatabaseHandle> {
  if (testTier() === 'postgres') return createPostgresDatabase();
  const template = inject('pgliteTemplate');
  if (template) return reusedTemplateCopy(template);
  return migrated(await openDatabase('memory://'));
}

async function migrated(handle: DatabaseHandle): Promise<DatabaseHandle> {
  try {
    await migrateDatabase(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** A copy of the run's migrated template database (see postgres-cluster.ts), or an empty one migrated here. */
async function createPostgresDatabase(): Promise<DatabaseHandle> {
  const template = inject('postgresTemplateDatabase');
  // Through PgBouncer the pooler keeps its server connections to a database after the file's pool ends: not reused.
  if (template && process.env.TEST_POOLER !== 'pgbouncer') return reusedPostgresCopy(() => newPostgresDatabase(template), openTestPostgres);
  const { url, drop } = await newPostgresDatabase(template ?? undefined);
  const handle = template ? await openTestPostgres(url) : await migrated(await openTestPostgres(url));
  return closingAlso(handle, drop);
}

/** The handle, whose close() then also runs `after` (deleting its database). */
function closingAlso(handle: DatabaseHandle, after: () => Promise<void>): DatabaseHandle {
  const closeHandle = handle.close.bind(handle);
  // Assigned rather than spread, so a handle that is a class instance keeps its methods.
  return Object.assign(handle, {
    async close() {
      await closeHandle();
      await after();
    },
  });
}

/**
 * In the pgbouncer project the traffic goes through PgBouncer (transaction
 * mode, no named prepared statements), and what needs a session goes to
 * PostgreSQL itself, as DATABASE_DIRECT_URL does in production.
 */
function openTestPostgres(directUrl: string): Promise<DatabaseHandle> {
  const bouncer = process.env.TEST_POOLER === 'pgbouncer' ? inject('pgbouncerUrl') : null;
  if (!bouncer) return openDatabase(directUrl);
  const url = new URL(bouncer);
  url.pathname = new URL(directUrl).pathname;
  return openDatabase(url.toString(), { directUrl, preparedStatements: false });
}

async function newPostgresDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl) {
    throw new Error('The postgres tier is skipped (no PostgreSQL server); run the suite with describeIntegration or describeOnTier (integration.ts).');
  }
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (sql) =>
    template ? sql`create database ${sql(name)} template ${sql(template)}` : sql`create database ${sql(name)}`,
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdmin(adminUrl, (sql) => sql`drop database if exists ${sql(name)} with (force)`);
    },
  };
}

/**
 * A DATABASE_URL for a separate process (server, CLI) in this tier: a PGlite
 * folder (file://) or a PostgreSQL database, already migrated (a copy of the
 * run's template: the process finds nothing to do), or empty with
 * `{ migrated: false }`. `drop()` deletes it.
 */
export async function createDatabaseUrl({ migrated = true }: { migrated?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  if (testTier() === 'postgres') return newPostgresDatabase(migrated ? (inject('postgresTemplateDatabase') ?? undefined) : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pglite-'));
  // Migrated already (the run's template, copied): a process opening it skips initdb and the migrations.
  const folderTemplate = migrated ? inject('pgliteFolderTemplate') : null;
  if (folderTemplate) cpSync(folderTemplate, dir, { recursive: true });
  return { url: `file://${dir}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An empty database, no migration applied, opened in this process (the migrations' own tests): on
 * PostgreSQL a new database of the cluster; on PGlite in memory, loaded from the run's empty cluster
 * (pglite-template.ts), since creating one is initdb (≈ 5 s of CPU in PGlite, in memory or in a folder).
 * Its close() deletes it too.
 */
export async function openUnmigratedDatabase(): Promise<DatabaseHandle> {
  if (testTier() === 'postgres') {
    const { url, drop } = await newPostgresDatabase();
    return closingAlso(await openDatabase(url), drop);
  }
  const emptyCluster = inject('pgliteEmptyCluster');
  return emptyCluster ? openDumpedPglite(emptyCluster) : openDatabase('memory://');
}

/**
 * The same database as another instance would open it: on PostgreSQL a pool
 * of its own (its own sessions, so its own advisory locks); an embedded
 * PGlite belongs to one process, so there it is the same handle. Close it
 * before the original.
 */
export async function anotherInstanceOf(handle: DatabaseHandle): Promise<DatabaseHandle> {
  if (handle.kind === 'pglite') return { ...handle, close: async () => {} };
  const [row] = await handle.query<{ name: string }>('select current_database() as name');
  const url = new URL(inject('postgresAdminUrl')!);
  url.pathname = `/${row!.name}`;
  return openDatabase(url.toString());
}

async function withAdmin<T>(adminUrl: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}
