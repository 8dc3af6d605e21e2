/**
 * The client picks its own address: with TRUST_PROXY=true the first
 * X-Forwarded-For entry is written by the client. Refused: the client is the
 * rightmost address that is not one of our proxies.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema/index.js';
import { addressRanges, PRIVATE_RANGES } from '../../src/lib/address-ranges.js';
import { clientAddress } from '../../src/pipeline/client-address.js';
import { generateApiKey } from '../../src/auth/key-format.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const request = (forwardedFor?: string) =>
  new Request('http://tessera.test/graphql', { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
const behindPrivateProxies = { trustProxy: true, trustedProxies: addressRanges(PRIVATE_RANGES) };

describe('the client address behind trusted proxies', () => {
  it('takes the rightmost address that is not a trusted proxy, not the first one the client wrote', () => {
    expect(clientAddress(request('6.6.6.6, 203.0.113.9'), '10.0.0.5', behindPrivateProxies)).toBe('203.0.113.9');
    expect(clientAddress(request('6.6.6.6, 203.0.113.9, 10.0.0.7'), '10.0.0.5', behindPrivateProxies)).toBe('203.0.113.9');
  });

  it('treats a peer that is not a trusted proxy as the client, whatever it claims', () => {
    expect(clientAddress(request('6.6.6.6'), '198.51.100.4', behindPrivateProxies)).toBe('198.51.100.4');
  });

  it('trusts exactly the configured proxies: one load balancer', () => {
    const oneBalancer = { trustProxy: true, trustedProxies: addressRanges(['10.0.0.5/32']) };
    expect(clientAddress(request('1.2.3.4, 10.0.0.9'), '10.0.0.5', oneBalancer)).toBe('10.0.0.9');
  });

  it('ignores garbage a client put in the header and keeps the proxy-reported address', () => {
    expect(clientAddress(request('not-an-address'), '10.0.0.5', behindPrivateProxies)).toBe('10.0.0.5');
    expect(clientAddress(request('203.0.113.1, <script>'), '10.0.0.5', behindPrivateProxies)).toBe('10.0.0.5');
  });

  it('unwraps IPv4-mapped IPv6 peers, so one rule covers both spellings', () => {
    expect(clientAddress(request('203.0.113.9'), '::ffff:10.0.0.5', behindPrivateProxies)).toBe('203.0.113.9');
  });

  it('uses the socket peer when TRUST_PROXY is off', () => {
    expect(clientAddress(request('6.6.6.6'), '198.51.100.4', { ...behindPrivateProxies, trustProxy: false })).toBe('198.51.100.4');
  });
});

describeIntegrationOnOneTier(`spoofed X-Forwarded-For through the API`, { env: { TRUST_PROXY: 'true', AUTH_FAILURES_PER_MINUTE: '3' } }, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  it('records the proxy-reported address in the audit log, not the one the client wrote', async () => {
    await harness.request('query Spoof { viewer { scopes } }', {
      key: org.adminKey,
      headers: { 'x-forwarded-for': '1.1.1.1, 203.0.113.50' },
    });
    await harness.app.flush();
    const [row] = await harness.db.select().from(auditEvents).where(eq(auditEvents.operationName, 'Spoof'));
    expect(row!.ip).toBe('203.0.113.50');
  });

  it('keeps throttling a guesser who rotates the address it writes in front', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await harness.request('{ viewer { scopes } }', {
        key: generateApiKey('SECRET', 'TEST'),
        headers: { 'x-forwarded-for': `192.0.2.${i}, 203.0.113.60` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });
});
