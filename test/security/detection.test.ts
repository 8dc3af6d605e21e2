/**
 * Detection gaps: revoked or expired keys still in use, failed
 * authentications and 429-refused requests left no audit record and no log
 * line. Refused: each leaves a trace its owner or operator can see.
 */
import { and, eq } from 'drizzle-orm';
import { Writable } from 'node:stream';
import pino from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/key-format.js';
import { auditEvents } from '../../src/db/schema/index.js';
import { revokeKey } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const VIEWER = '{ viewer { scopes } }';

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(JSON.parse(String(chunk)));
    done();
  },
});

describeIntegrationOnOneTier(
  `misuse leaves a trace`,
  {
    env: { TRUST_PROXY: 'true', RATE_LIMIT_TEST_PER_MINUTE: '2' },
    deps: { logger: pino({ level: 'warn' }, sink) },
  },
  (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  const refusalsOf = (keyId: string) =>
    harness.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.apiKeyId, keyId), eq(auditEvents.action, 'authentication.refused')));

  it('records a revoked key still being tried on that key, once per key and address per minute', async () => {
    const leaked = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    await revokeKey(harness, org.adminKey, leaked.id);
    for (let i = 0; i < 3; i++) {
      const response = await harness.request(VIEWER, { key: leaked.secret, headers: { 'x-forwarded-for': '198.51.100.20' } });
      expect(response.status).toBe(401);
    }
    await harness.request(VIEWER, { key: leaked.secret, headers: { 'x-forwarded-for': '198.51.100.21' } });
    // Written at once, not buffered: no flush needed.
    const rows = await refusalsOf(leaked.id);
    expect(rows.map((row) => [row.ip, row.outcome, row.details])).toEqual([
      ['198.51.100.20', 'denied', { reason: 'revoked' }],
      ['198.51.100.21', 'denied', { reason: 'revoked' }],
    ]);

    harness.advance(61_000);
    await harness.request(VIEWER, { key: leaked.secret, headers: { 'x-forwarded-for': '198.51.100.20' } });
    expect(await refusalsOf(leaked.id)).toHaveLength(3);
  });

  it('shows the owner the refusals through the audit log API', async () => {
    const expired = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    await harness.database.query(`update api_keys set expires_at = now() - interval '1 day' where id = '${expired.id}'`);
    harness.app.keyCache.clear();
    await harness.request(VIEWER, { key: expired.secret });
    const response = await harness.request('query($key: ID) { auditEvents(apiKeyId: $key) { nodes { action outcome details } } }', {
      key: org.adminKey,
      variables: { key: expired.id },
    });
    expect(response.body.data?.auditEvents.nodes).toContainEqual({ action: 'authentication.refused', outcome: 'denied', details: { reason: 'expired' } });
  });

  it('counts unknown keys per address in a warning log line, never the key itself', async () => {
    const guesses = [generateApiKey('SECRET', 'TEST'), generateApiKey('SECRET', 'LIVE')];
    for (const key of guesses) await harness.request(VIEWER, { key, headers: { 'x-forwarded-for': '198.51.100.30' } });
    const warning = lines.find((line) => line.msg === 'unknown API key presented' && line.ip === '198.51.100.30');
    expect(warning).toMatchObject({ level: 40, unknownKeys: 1 });
    const logged = JSON.stringify(lines);
    for (const key of guesses) expect(logged).not.toContain(key.slice(8, 30));
  });

  it('audits requests refused with 429, with their outcome', async () => {
    const busy = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await harness.request('query Busy { viewer { scopes } }', { key: busy.secret })).status);
    expect(statuses).toEqual([200, 200, 429]);
    await harness.app.flush();
    const rows = await harness.db.select().from(auditEvents).where(eq(auditEvents.apiKeyId, busy.id));
    expect(rows.map((row) => [row.action, row.outcome])).toContainEqual(['graphql.refused', 'limited']);
    expect(rows.find((row) => row.outcome === 'limited')!.details).toEqual({ code: 'RATE_LIMITED' });
  });
});
