import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { resolveEncryptionKey } from '../../src/config/encryption-key.js';
import { SecretBox } from '../../src/lib/secret-box.js';

describe('sealed credentials', () => {
  it('opens what it sealed, and the sealed form does not contain the plaintext', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('https://calendar.example.com/private-token.ics');
    expect(sealed).not.toContain('private-token');
    expect(box.open(sealed)).toBe('https://calendar.example.com/private-token.ics');
  });

  it('refuses a tampered value and another key', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('whsec_abc');
    const [v, iv, tag, data] = sealed.split('.');
    const flipped = Buffer.from(data!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });

  it('reads ENCRYPTION_KEY as 32 bytes of base64 and names the variable otherwise', () => {
    const key = randomBytes(32).toString('base64');
    expect(loadConfig({ ENCRYPTION_KEY: key, DATABASE_URL: 'memory://' }).encryptionKey?.length).toBe(32);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'c2hvcnQ=', DATABASE_URL: 'memory://' })).toThrow(ConfigError);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'c2hvcnQ=', DATABASE_URL: 'memory://' })).toThrow(/^ENCRYPTION_KEY: /);
  });

  it('requires ENCRYPTION_KEY with PostgreSQL, where instances must share it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db.internal/tessera' })).toThrow(/^ENCRYPTION_KEY: required/);
  });

  it('generates a key once for an embedded database folder and keeps it private', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-key-'));
    const config = { encryptionKey: null, databaseUrl: `file://${join(dir, 'pglite')}` };
    const first = resolveEncryptionKey(config);
    expect(resolveEncryptionKey(config).equals(first)).toBe(true);
    const file = join(dir, 'pglite', 'encryption.key');
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('uses a fresh key per process for memory://', () => {
    const config = { encryptionKey: null, databaseUrl: 'memory://' };
    expect(resolveEncryptionKey(config).equals(resolveEncryptionKey(config))).toBe(false);
  });
});
