import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  API_KEY_PATTERN,
  checksum,
  generateApiKey,
  hashApiKey,
  keyPreview,
  parseApiKey,
  type ApiKeyEnvironment,
  type ApiKeyType,
} from '../../src/auth/key-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KINDS: Array<[ApiKeyType, ApiKeyEnvironment, string]> = [
  ['SECRET', 'LIVE', 'sk_live_'],
  ['SECRET', 'TEST', 'sk_test_'],
  ['PUBLIC', 'LIVE', 'pk_live_'],
  ['PUBLIC', 'TEST', 'pk_test_'],
];

/** The checksum as the README describes it, written independently of the code. */
function referenceChecksum(body: string): string {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(body, 'utf8')) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  let value = (crc ^ 0xffffffff) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** The regex the README documents for secret scanners (between the key-regex markers). */
function readmeRegex(): RegExp {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- key-regex:start -->([\s\S]*?)<!-- key-regex:end -->/.exec(readme)?.[1];
  const line = section?.split('\n').find((l) => l.trim().startsWith('^'));
  if (!line) throw new Error('README.md has no key regex between <!-- key-regex:start --> and <!-- key-regex:end -->');
  return new RegExp(line.trim());
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('API key format', () => {
  it.each(KINDS)('a %s %s key is %s + 32 base62 random characters + a 6-character checksum', (type, environment, prefix) => {
    const key = generateApiKey(type, environment);
    expect(key.startsWith(prefix)).toBe(true);
    expect(key).toHaveLength(prefix.length + 32 + 6);
    expect(key.slice(prefix.length)).toMatch(/^[0-9A-Za-z]{38}$/);
    expect(API_KEY_PATTERN.test(key)).toBe(true);
    expect(parseApiKey(key)).toEqual({ ok: true, type, environment });
  });

  it('matches the regex documented in the README, which rejects near misses', () => {
    const regex = readmeRegex();
    for (let i = 0; i < 200; i++) {
      for (const [type, environment] of KINDS) expect(regex.test(generateApiKey(type, environment))).toBe(true);
    }
    const key = generateApiKey('SECRET', 'TEST');
    for (const nearMiss of [key.slice(0, -1), `${key}x`, key.replace('sk_', 'rk_'), key.replace('_test_', '_prod_'), `${key.slice(0, -1)}-`]) {
      expect(regex.test(nearMiss)).toBe(false);
    }
  });

  it('ends in the base62 CRC32 of everything before it, as documented', () => {
    for (let i = 0; i < 100; i++) {
      const key = generateApiKey('SECRET', 'LIVE');
      expect(key.slice(-6)).toBe(referenceChecksum(key.slice(0, -6)));
      expect(checksum(key.slice(0, -6))).toBe(key.slice(-6));
    }
  });

  it('rejects every one-character typo after the prefix by its checksum, offline', () => {
    const key = generateApiKey('SECRET', 'TEST');
    let typos = 0;
    for (let position = 'sk_test_'.length; position < key.length; position++) {
      for (const replacement of BASE62) {
        if (replacement === key[position]) continue;
        const typo = key.slice(0, position) + replacement + key.slice(position + 1);
        expect(parseApiKey(typo)).toEqual({ ok: false, reason: 'checksum' });
        typos++;
      }
    }
    expect(typos).toBe(38 * 61);
  });

  it('rejects swapped neighbouring characters', () => {
    const key = generateApiKey('PUBLIC', 'LIVE');
    for (let position = 'pk_live_'.length; position < key.length - 1; position++) {
      if (key[position] === key[position + 1]) continue;
      const swapped = key.slice(0, position) + key[position + 1] + key[position] + key.slice(position + 2);
      expect(parseApiKey(swapped).ok).toBe(false);
    }
  });

  it('calls anything not shaped like a key malformed', () => {
    const key = generateApiKey('SECRET', 'LIVE');
    for (const bad of ['', 'sk_live_', key.slice(0, -1), `${key}0`, ` ${key}`, key.replace('sk_live_', 'sk_LIVE_'), key.replace('sk_', 'xk_'), key.replace(/.$/, '_')]) {
      expect(parseApiKey(bad)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('draws the random part from the CSPRNG, not Math.random', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey('SECRET', 'TEST')));
    expect(keys.size).toBe(200);
  });

  it('uses the whole base62 alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const char of generateApiKey('SECRET', 'TEST').slice(8, 40)) seen.add(char);
    expect(seen.size).toBe(62);
  });
});

describe('hashing and preview', () => {
  it('stores the SHA-256 of the whole key, in hex', () => {
    const key = generateApiKey('SECRET', 'LIVE');
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey('SECRET', 'LIVE')));
  });

  it('previews the first 12 and last 4 characters, never the middle', () => {
    const key = generateApiKey('PUBLIC', 'TEST');
    const preview = keyPreview(key);
    expect(preview).toBe(`${key.slice(0, 12)}…${key.slice(-4)}`);
    expect(preview).not.toContain(key.slice(12, -4));
  });
});
