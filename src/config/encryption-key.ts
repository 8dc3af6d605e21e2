import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDatabaseUrl } from '../db/client.js';

/**
 * The key that seals stored credentials. ENCRYPTION_KEY wins when set (and
 * config requires it with PostgreSQL). Without it:
 * - an embedded database folder (`file://PATH`) gets a key generated once and
 *   kept beside it as `encryption.key` (mode 0600), so a restart can still open
 *   what it sealed;
 * - `memory://` gets a random key per process, since its data dies with it.
 */
export function resolveEncryptionKey(config: { encryptionKey: Buffer | null; databaseUrl: string }): Buffer {
  if (config.encryptionKey) return config.encryptionKey;
  const location = parseDatabaseUrl(config.databaseUrl);
  if (location.kind !== 'pglite-dir') return randomBytes(32);
  return readOrCreateKeyFile(join(dirname(location.path), 'encryption.key'));
}

function readOrCreateKeyFile(path: string): Buffer {
  try {
    return decode(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    // 'wx' fails if another process created it meanwhile; then read theirs.
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return decode(readFileSync(path, 'utf8'), path);
}

function decode(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path}: expected 32 bytes in base64; remove it only if nothing was sealed with it`);
  return key;
}
