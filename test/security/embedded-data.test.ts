/**
 * Embedded data stays with its owner: each test is what another account on the
 * same machine would try against a PGlite folder, and what refuses it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encryptionKeyFile, resolveEncryptionKey } from '../../src/config/encryption-key.js';
import { openDatabase } from '../../src/db/client.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { testTier } from '../helpers/test-database.js';

const SLOW = 60_000;

/** Every folder and file under `root` with its permission bits, like `find -printf '%m %p'`. */
function modesUnder(root: string): Array<{ path: string; kind: 'folder' | 'file'; mode: number }> {
  const stats = statSync(root);
  const own = { path: root, kind: stats.isDirectory() ? ('folder' as const) : ('file' as const), mode: stats.mode & 0o777 };
  if (!stats.isDirectory()) return [own];
  return [own, ...readdirSync(root).flatMap((entry) => modesUnder(join(root, entry)))];
}

const octal = (mode: number) => mode.toString(8).padStart(3, '0');

function expectOwnerOnly(root: string) {
  const open = modesUnder(root)
    .filter((entry) => entry.mode !== (entry.kind === 'folder' ? 0o700 : 0o600))
    .map((entry) => `${octal(entry.mode)} ${entry.path}`);
  expect(open, 'readable or writable by others').toEqual([]);
}

const embeddedUrl = (folder: string) => `file://${folder}`;
const keyText = () => `${randomBytes(32).toString('base64')}\n`;

/** What earlier versions left: a database folder without a key, and the key beside it. */
function earlierLayout(parent: string, ...databases: string[]): Buffer {
  mkdirSync(parent, { recursive: true });
  for (const name of databases) {
    mkdirSync(join(parent, name));
    writeFileSync(join(parent, name, 'PG_VERSION'), '17\n');
  }
  const text = keyText();
  writeFileSync(join(parent, 'encryption.key'), text, { mode: 0o600 });
  return Buffer.from(text.trim(), 'base64');
}

// About the embedded database's folder alone: the PostgreSQL tier would run the very same thing again.
describe.skipIf(testTier() !== 'pglite')(`embedded data is private to its owner`, () => {
  let root: string;
  let dataDir: string;
  let umaskBefore: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tessera-embedded-'));
    dataDir = join(root, 'data');
    // The most permissive start a process can have: without the rule, everything is 0666/0777.
    umaskBefore = process.umask(0);
    const database = await openDatabase(embeddedUrl(dataDir));
    try {
      // Files PGlite creates while it runs (a new table, its index, WAL), not only at initdb. (A table of
      // its own rather than the migrations: the same kinds of file, without seconds of CPU.)
      await database.query(`create table written_later (id serial primary key, note text)`);
      await database.query(`insert into written_later (note) select repeat('x', 500) from generate_series(1, 2000)`);
      await database.query('checkpoint');
    } finally {
      await database.close();
    }
  }, SLOW);

  afterAll(() => {
    process.umask(umaskBefore);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses other accounts the data folder: 0700, and every file in it 0600, even under umask 000', () => {
    expect(modesUnder(dataDir).filter((entry) => entry.kind === 'file').length).toBeGreaterThan(100);
    expectOwnerOnly(dataDir);
  });

  it('closes a folder an earlier version left world-readable when it is next opened', async () => {
    const folder = join(root, 'elsewhere', 'opened-again');
    // A folder made earlier: the run's migrated one copied (creating one here would take seconds of CPU).
    const template = inject('pgliteFolderTemplate');
    if (template) cpSync(template, folder, { recursive: true });
    else await (await openDatabase(embeddedUrl(folder))).close();
    chmodSync(folder, 0o777);
    const someFile = join(folder, 'PG_VERSION');
    chmodSync(someFile, 0o666);

    const reopened = await openDatabase(embeddedUrl(folder));
    await reopened.close();

    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(someFile).mode & 0o777).toBe(0o600);
  }, SLOW);

  it('keeps the generated encryption key inside the data folder, 0600, and nothing in the folder above it', () => {
    const parent = join(root, 'fresh');
    const folder = join(parent, 'pglite');
    const key = resolveEncryptionKey({ encryptionKey: null, databaseUrl: embeddedUrl(folder) });

    expect(encryptionKeyFile(folder)).toBe(join(folder, 'encryption.key'));
    expect(Buffer.from(readFileSync(join(folder, 'encryption.key'), 'utf8').trim(), 'base64').equals(key)).toBe(true);
    expect(readdirSync(parent)).toEqual(['pglite']);
    expectOwnerOnly(folder);
  });

  it('moves the key an earlier version kept beside a database folder into it, so what it sealed still opens', () => {
    const sealedBefore = new SecretBox(earlierLayout(root)).seal('whsec_sealed_by_the_earlier_version');

    const key = resolveEncryptionKey({ encryptionKey: null, databaseUrl: embeddedUrl(dataDir) });

    expect(new SecretBox(key).open(sealedBefore)).toBe('whsec_sealed_by_the_earlier_version');
    expect(existsSync(join(root, 'encryption.key'))).toBe(false);
    expect(statSync(join(dataDir, 'encryption.key')).mode & 0o777).toBe(0o600);
    // And it stays: the next start reads the moved key.
    expect(resolveEncryptionKey({ encryptionKey: null, databaseUrl: embeddedUrl(dataDir) }).equals(key)).toBe(true);
  });

  it('leaves a shared earlier key in place until every database folder beside it has its own copy', () => {
    const parent = join(root, 'shared');
    const earlier = earlierLayout(parent, 'a', 'b');
    const keyOf = (name: string) => resolveEncryptionKey({ encryptionKey: null, databaseUrl: embeddedUrl(join(parent, name)) });

    expect(keyOf('a').equals(earlier)).toBe(true);
    expect(existsSync(join(parent, 'encryption.key')), 'b still needs it').toBe(true);
    expect(keyOf('b').equals(earlier)).toBe(true);
    expect(existsSync(join(parent, 'encryption.key'))).toBe(false);
  });

  it('does not hand an earlier key to a new, empty folder beside it', () => {
    const parent = join(root, 'neighbour');
    const earlier = earlierLayout(parent);
    const key = resolveEncryptionKey({ encryptionKey: null, databaseUrl: embeddedUrl(join(parent, 'new')) });

    expect(key.equals(earlier)).toBe(false);
    expect(existsSync(join(parent, 'encryption.key'))).toBe(true);
  });
});
