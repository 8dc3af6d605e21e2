import { randomInt } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Unbiased random base62 string: randomInt draws from the CSPRNG with rejection sampling. */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

/** Prefixed identifiers (`key_…`, `org_…`) tell a reader what an id points at. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(20)}`;
}
