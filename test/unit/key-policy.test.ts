import { describe, expect, it } from 'vitest';
import { NO_KEY_POLICY, outlivesPolicy, rolledLifetime, roleMayHoldLiveKeys, rolesBelowLiveKeys } from '../../src/auth/access/key-policy.js';
import { addressAllowlist, normalizeAddressRange } from '../../src/lib/address-ranges.js';

describe('IP allowlist entries', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['2001:0DB8:0000::0001', '2001:db8::1'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.0/120', '192.0.2.0/24'],
  ])('stores %s as %s', (entry, stored) => {
    expect(normalizeAddressRange(entry)).toBe(stored);
  });

  it.each(['10.1', '0x7f.0.0.1', '256.1.1.1', '1.2.3.4/33', '1.2.3.4/', '1.2.3.4/8/8', 'fe80::1%eth0', 'example.com', ''])('refuses %j', (entry) => {
    expect(normalizeAddressRange(entry)).toBeNull();
  });

  it('matches an address alone, ranges, and IPv4-mapped IPv6 as IPv4', () => {
    const allowed = addressAllowlist(['203.0.113.7', '198.51.100.0/24', '2001:db8::/32']);
    expect(['203.0.113.7', '198.51.100.200', '2001:db8:ffff::1', '::ffff:203.0.113.7'].map(allowed.contains)).toEqual([true, true, true, true]);
    expect(['203.0.113.8', '198.51.101.1', '2001:db9::1', 'garbage'].map(allowed.contains)).toEqual([false, false, false, false]);
  });
});

describe('organization key policy rules', () => {
  const policy = { ...NO_KEY_POLICY, maxLifetimeDays: 30, liveKeysAllowedForRole: 'ADMIN' as const };

  it('caps a rolled lifetime to the maximum, never lengthens one', () => {
    expect(rolledLifetime(policy, null)).toBe(30);
    expect(rolledLifetime(policy, 90)).toBe(30);
    expect(rolledLifetime(policy, 7)).toBe(7);
    expect(rolledLifetime(NO_KEY_POLICY, null)).toBeNull();
    expect([null, 90, 30, 7].map((days) => outlivesPolicy(policy, days))).toEqual([true, true, false, false]);
  });

  it('names the lowest role whose keys may be live', () => {
    expect(roleMayHoldLiveKeys(policy, 'ADMIN')).toBe(true);
    expect(roleMayHoldLiveKeys(policy, 'MEMBER')).toBe(false);
    expect(rolesBelowLiveKeys(policy)).toEqual(['MEMBER']);
    expect(rolesBelowLiveKeys({ ...policy, liveKeysAllowedForRole: 'MEMBER' })).toEqual([]);
    expect(rolesBelowLiveKeys(NO_KEY_POLICY)).toEqual([]);
  });
});
