import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Logger } from './logger.js';

/** Where GitHub publishes the keys that sign its secret-scanning alerts; operators save this answer to a file. */
export const GITHUB_SECRET_SCANNING_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';

/** GitHub's signing keys by `key_identifier`: every listed key, current or not (alerts signed just before a rotation still verify). */
export type GitHubPublicKeys = ReadonlyMap<string, KeyObject>;

type Entry = { key_identifier?: unknown; key?: unknown };

/**
 * Reads the JSON GitHub publishes at GITHUB_SECRET_SCANNING_KEYS_URL,
 * `{ "public_keys": [{ "key_identifier", "key" (PEM), "is_current" }] }`.
 * Throws an error whose message says what is wrong with the text, for a
 * start-up error or a log line.
 */
export function parseGitHubPublicKeys(text: string): GitHubPublicKeys {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error(`is not JSON; save the answer of ${GITHUB_SECRET_SCANNING_KEYS_URL} as it is`);
  }
  const list = (document as { public_keys?: unknown } | null)?.public_keys;
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(`has no "public_keys" list of keys; save the answer of ${GITHUB_SECRET_SCANNING_KEYS_URL} as it is`);
  }
  const keys = new Map<string, KeyObject>();
  list.forEach((entry: Entry | null, index) => {
    const id = entry?.key_identifier;
    if (typeof id !== 'string' || id === '') throw new Error(`public_keys[${index}] has no "key_identifier"`);
    keys.set(id, p256Key(entry?.key, `public_keys[${index}] ("${id}")`));
  });
  return keys;
}

function p256Key(pem: unknown, where: string): KeyObject {
  let key: KeyObject;
  try {
    if (typeof pem !== 'string') throw new Error('not text');
    key = createPublicKey(pem);
  } catch {
    throw new Error(`${where}: "key" is not a PEM public key`);
  }
  // GitHub signs with ECDSA on P-256; any other key would be a file from somewhere else.
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${where}: "key" is not an ECDSA P-256 key`);
  }
  return key;
}

export type SignatureCheck = 'valid' | 'unknown-key' | 'invalid';

/**
 * GitHub's signature over the exact body bytes: ECDSA P-256 with SHA-256,
 * sent base64-encoded in DER form (`Github-Public-Key-Signature`), by the key
 * `Github-Public-Key-Identifier` names.
 */
export function checkGitHubSignature(keys: GitHubPublicKeys, identifier: string, signature: string, body: Uint8Array): SignatureCheck {
  const key = keys.get(identifier);
  if (!key) return 'unknown-key';
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64')) ? 'valid' : 'invalid';
  } catch {
    // Not DER at all: OpenSSL refuses to read it rather than saying "does not match".
    return 'invalid';
  }
}

/**
 * The keys file an operator saved, read at start-up (a missing or unreadable
 * file stops the start) and read again whenever it changed: each alert
 * compares the file's modification time, size and inode with the last read, so
 * saving GitHub's newer keys over it (or swapping a mounted file) takes effect
 * on the next alert, without a restart or a signal. A changed file that does
 * not read keeps the keys already loaded, and says why in the log.
 */
export class GitHubPublicKeyFile {
  private constructor(
    readonly path: string,
    private keys: GitHubPublicKeys,
    private stamp: string,
    private readonly logger: Logger,
  ) {}

  /** Throws an error naming the file and what is wrong with it. */
  static open(path: string, logger: Logger): GitHubPublicKeyFile {
    const { keys, stamp } = readKeyFile(path);
    return new GitHubPublicKeyFile(path, keys, stamp, logger);
  }

  async current(): Promise<GitHubPublicKeys> {
    try {
      if (stampOf(await stat(this.path)) === this.stamp) return this.keys;
      const { keys, stamp } = readKeyFile(this.path);
      this.keys = keys;
      this.stamp = stamp;
      this.logger.info({ path: this.path, keyIdentifiers: [...keys.keys()] }, 'secret scanning: GitHub public keys file read again');
    } catch (error) {
      this.logger.error({ path: this.path, reason: (error as Error).message }, 'secret scanning: the changed GitHub public keys file does not read; keeping the keys read before');
    }
    return this.keys;
  }
}

/** Reads and checks the keys file; throws an error naming the file and what is wrong with it. */
export function readGitHubPublicKeyFile(path: string): GitHubPublicKeys {
  return readKeyFile(path).keys;
}

function readKeyFile(path: string): { keys: GitHubPublicKeys; stamp: string } {
  try {
    // Stamped before reading: a write landing in between is seen as a change next time, never missed.
    const stamp = stampOf(statSync(path));
    return { keys: parseGitHubPublicKeys(readFileSync(path, 'utf8')), stamp };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(`${path}: ${code ? `cannot be read (${code})` : message}`);
  }
}

const stampOf = (stats: { mtimeMs: number; size: number; ino: number }) => `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
