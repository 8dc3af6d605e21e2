/**
 * globalSetup of the projects that open in-memory PGlite databases: makes one
 * migrated database per run, dumps its data directory to a temp file and
 * provides the path as `pgliteTemplate`. createTestDatabase() loads a copy of
 * it where a file finds no emptied database to reuse (reused-databases.ts),
 * which skips initdb and the migrations there (seconds per file on two cores).
 * Deleted after the last project's teardown.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite as PGliteClass, type PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { acquireShared } from './shared-setup.js';

const FOLDER = 'migrated-folder';
const EMPTY_CLUSTER = 'empty.tar';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data directory (tar); where a project provides none, each file migrates its own. */
    pgliteTemplate: string | null;
    /** The same, unpacked as an embedded database folder: copied for processes (server, CLI) that need a migrated one. */
    pgliteFolderTemplate: string | null;
    /** A data directory (tar) as initdb leaves it, no migration applied: for the migrations' own tests. */
    pgliteEmptyCluster: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = await acquireShared('pglite-template', makeTemplate, (path) =>
    rmSync(dirname(path), { recursive: true, force: true }),
  );
  project.provide('pgliteTemplate', template.value);
  project.provide('pgliteFolderTemplate', join(dirname(template.value), FOLDER));
  project.provide('pgliteEmptyCluster', join(dirname(template.value), EMPTY_CLUSTER));
  return () => template.release();
}

async function makeTemplate(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pglite-template-'));
  try {
    const path = join(dir, 'migrated.tar');
    const empty = await leanCluster();
    // Creating an unmigrated database is initdb again (≈ 5 s of CPU in PGlite): the migrations' tests load this.
    writeFileSync(join(dir, EMPTY_CLUSTER), new Uint8Array(await empty.arrayBuffer()));
    const handle = await openDatabase('memory://', { pgliteDataDir: empty });
    try {
      await migrateDatabase(handle);
      const client = (handle.db as unknown as { $client: PGlite }).$client;
      // Uncompressed: loading skips a gunzip per file, and the file stays in the page cache.
      const dump = await client.dumpDataDir('none');
      writeFileSync(path, new Uint8Array(await dump.arrayBuffer()));
      // A folder a spawned server or CLI can open as its embedded database, with nothing left to migrate.
      const folder = new PGliteClass({ dataDir: join(dir, FOLDER), loadDataDir: dump });
      await folder.waitReady;
      await folder.close();
    } finally {
      await handle.close();
    }
    return path;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * An empty cluster that is cheap to load: every file loads the template (untar, copy into PGlite's
 * in-memory file system), and 25 of its 42 MB were a 16 MB WAL segment and the two template databases,
 * which nothing here uses (no test creates a database in PGlite). A 1 MB segment and neither template:
 * 17 MB, an open ≈ 0.74 → 0.51 s of CPU. The app's own database (`postgres`) is as initdb makes it.
 */
async function leanCluster(): Promise<Blob> {
  const cluster = new PGliteClass({ initDbStartParams: ['--wal-segsize=1'] });
  try {
    await cluster.waitReady;
    for (const template of ['template1', 'template0']) {
      await cluster.query(`alter database ${template} is_template false`);
      await cluster.query(`drop database ${template}`);
    }
    return await cluster.dumpDataDir('none');
  } finally {
    await cluster.close();
  }
}
