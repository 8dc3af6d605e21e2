import { describe, expect, it } from 'vitest';
import {
  assertAllowedAddress,
  checkOutboundUrl,
  OutboundRefused,
  parseOutboundUrl,
  type HostResolver,
} from '../../src/lib/outbound-url.js';

const staged =
  (answers: Record<string, string[]>): HostResolver =>
  async (hostname) =>
    (answers[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('outbound URL guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.0.10', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.10.1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
  ])('refuses %s in live mode (%s)', (address, kind) => {
    expect(() => assertAllowedAddress(address, 'LIVE')).toThrow(OutboundRefused);
    expect(() => assertAllowedAddress(address, 'LIVE')).toThrow(kind === 'metadata' ? /metadata/ : new RegExp(kind));
  });

  it('allows public addresses in live mode', () => {
    expect(() => assertAllowedAddress('93.184.215.14', 'LIVE')).not.toThrow();
    expect(() => assertAllowedAddress('2606:4700::1111', 'LIVE')).not.toThrow();
  });

  it('lets test mode reach loopback but still nothing private or metadata', () => {
    expect(() => assertAllowedAddress('127.0.0.1', 'TEST')).not.toThrow();
    expect(() => assertAllowedAddress('::1', 'TEST')).not.toThrow();
    expect(() => assertAllowedAddress('10.0.0.1', 'TEST')).toThrow(OutboundRefused);
    expect(() => assertAllowedAddress('169.254.169.254', 'TEST')).toThrow(/metadata/);
  });

  it('wants https in live mode and no credentials in the URL', () => {
    expect(() => parseOutboundUrl('http://hooks.example.com/x', 'LIVE')).toThrow(/https/);
    expect(parseOutboundUrl('http://127.0.0.1:9/x', 'TEST').protocol).toBe('http:');
    expect(() => parseOutboundUrl('https://user:pw@hooks.example.com/', 'LIVE')).toThrow(/user name or password/);
    expect(() => parseOutboundUrl('ftp://hooks.example.com/', 'TEST')).toThrow(/http/);
    expect(parseOutboundUrl('webcal://cal.example.com/a.ics', 'LIVE').href).toBe('https://cal.example.com/a.ics');
  });

  it('refuses a host when any one of its addresses is refused', async () => {
    const resolver = staged({ 'mixed.example.com': ['93.184.215.14', '10.0.0.7'], 'ok.example.com': ['93.184.215.14'] });
    await expect(checkOutboundUrl('https://mixed.example.com/', 'LIVE', resolver)).rejects.toThrow(/resolves to 10\.0\.0\.7, a private address/);
    await expect(checkOutboundUrl('https://ok.example.com/', 'LIVE', resolver)).resolves.toBeInstanceOf(URL);
  });

  it('refuses a host that does not resolve', async () => {
    await expect(checkOutboundUrl('https://nowhere.example.com/', 'LIVE', staged({}))).rejects.toThrow(/could not resolve/);
  });

  it('refuses localhost in live mode through the real resolver', async () => {
    await expect(checkOutboundUrl('https://localhost/hook', 'LIVE')).rejects.toThrow(/localhost resolves to .*loopback/);
  });
});
