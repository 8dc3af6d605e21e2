import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDatabaseUrl } from '../db/client.js';
import { holdsEmbeddedDatabase } from '../db/embedded-folder.js';
import { ensurePrivateFolder, PRIVATE_FILE_MODE } from '../lib/private-folder.js';

const KEY_FILE = 'encryption.key';

/**
 * The key that seals stored credentials. ENCRYPTION_KEY wins when set (and
 * config requires it with PostgreSQL). Without it:
 * - an embedded database folder (`file://PATH`) gets a key generated once and
 *   kept inside it as `encryption.key` (mode 0600, in a 0700 folder), so a
 *   restart can still open what it sealed, and the key goes wherever the data goes;
 * - `memory://` gets a random key per process, since its data dies with it.
 */
export function resolveEncryptionKey(config: { encryptionKey: Buffer | null; databaseUrl: string }): Buffer {
  if (config.encryptionKey) return config.encryptionKey;
  const location = parseDatabaseUrl(config.databaseUrl);
  if (location.kind !== 'pglite-dir') return randomBytes(32);
  return readOrCreateKeyFile(location.path);
}

/** Where the generated key of an embedded database folder lives. */
export const encryptionKeyFile = (dataDir: string) => join(dataDir, KEY_FILE);

function readOrCreateKeyFile(dataDir: string): Buffer {
  const path = encryptionKeyFile(dataDir);
  ensurePrivateFolder(dataDir);
  adoptEarlierKey(dataDir);
  try {
    return decode(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeKeyFile(path, `${randomBytes(32).toString('base64')}\n`);
  return decode(readFileSync(path, 'utf8'), path);
}

/** 'wx' fails if another process created it meanwhile; then theirs is read. */
function writeKeyFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Earlier versions kept the key beside the data folder (`file:///tmp/x` put it
 * in /tmp). A folder that already holds a database and has no key of its own
 * was sealed with that one: it is copied in, and removed from the parent once
 * no other database folder there still lacks its own key (they shared it).
 */
function adoptEarlierKey(dataDir: string): void {
  const earlier = join(dirname(resolve(dataDir)), KEY_FILE);
  const own = encryptionKeyFile(dataDir);
  if (existsSync(own) || !existsSync(earlier) || !holdsEmbeddedDatabase(dataDir)) return;
  const text = readFileSync(earlier, 'utf8');
  decode(text, earlier);
  writeKeyFile(own, text);
  if (!othersStillNeed(earlier, dataDir)) rmSync(earlier, { force: true });
}

function othersStillNeed(earlierKey: string, dataDir: string): boolean {
  const parent = dirname(earlierKey);
  const self = resolve(dataDir);
  return readdirSync(parent).some((entry) => {
    const folder = join(parent, entry);
    if (folder === self) return false;
    try {
      return statSync(folder).isDirectory() && holdsEmbeddedDatabase(folder) && !existsSync(encryptionKeyFile(folder));
    } catch {
      return false;
    }
  });
}

function decode(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path}: expected 32 bytes in base64; remove it only if nothing was sealed with it`);
  return key;
}
