import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BASE62, randomBase62 } from '../lib/random.js';

/**
 * API key wire format: `{sk|pk}_{live|test}_` + 32 random base62 characters
 * + a 6-character base62 CRC32 of everything before it. The checksum lets us
 * (and secret scanners) reject typos and random strings offline, before any
 * database lookup.
 */
export const API_KEY_PATTERN = /^(sk|pk)_(live|test)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;

export type ApiKeyType = 'SECRET' | 'PUBLIC';
export type ApiKeyEnvironment = 'LIVE' | 'TEST';

const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
/** Every key's length: a two-letter type, a four-letter environment, two underscores, the random part and the checksum. */
export const API_KEY_LENGTH = 2 + 1 + 4 + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH;

const TYPE_PREFIX: Record<ApiKeyType, 'sk' | 'pk'> = { SECRET: 'sk', PUBLIC: 'pk' };
const ENVIRONMENT_PREFIX: Record<ApiKeyEnvironment, 'live' | 'test'> = { LIVE: 'live', TEST: 'test' };

export function keyPrefix(type: ApiKeyType, environment: ApiKeyEnvironment): string {
  return `${TYPE_PREFIX[type]}_${ENVIRONMENT_PREFIX[environment]}_`;
}

export function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateApiKey(type: ApiKeyType, environment: ApiKeyEnvironment): string {
  const body = keyPrefix(type, environment) + randomBase62(RANDOM_LENGTH);
  return body + checksum(body);
}

export type ParsedApiKey =
  | { ok: true; type: ApiKeyType; environment: ApiKeyEnvironment }
  | { ok: false; reason: 'malformed' | 'checksum' };

export function parseApiKey(key: string): ParsedApiKey {
  const match = API_KEY_PATTERN.exec(key);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, typePart, environmentPart, random, sum] = match;
  if (checksum(`${typePart}_${environmentPart}_${random}`) !== sum) return { ok: false, reason: 'checksum' };
  return {
    ok: true,
    type: typePart === 'sk' ? 'SECRET' : 'PUBLIC',
    environment: environmentPart === 'live' ? 'LIVE' : 'TEST',
  };
}

/** Run for every request (the key cache is keyed by it): the one-shot hash, without a Hash object's cost. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** What we keep to let people recognise a key: first 12 and last 4 characters. */
export function keyPreview(key: string): string {
  return `${key.slice(0, 12)}…${key.slice(-4)}`;
}
