import { beforeAll, expect, it } from 'vitest';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

/** One mutation with `count` aliased calls of setApiKeyRateLimit on the same key. */
function aliasedLimitChanges(id: string, count: number): string {
  const calls = Array.from(
    { length: count },
    (_, i) => `m${i + 1}: setApiKeyRateLimit(id: "${id}", limit: { requests: 500, windowSeconds: 60 }) { id }`,
  );
  return `mutation { ${calls.join('\n')} }`;
}

const BOOK = `mutation ($input: CreateBookingInput!) { createBooking(input: $input) { id } }`;
const booking = {
  input: { eventTypeId: 'evt_missing', startAt: '2030-01-07T10:00:00Z', attendee: { name: 'Ada', email: 'ada@example.com' } },
};

describeIntegrationOnOneTier('per-field limits', { env: { FIELD_RATE_LIMITS: 'on', QUERY_MAX_ALIASES: '40', QUERY_MAX_COST: '100000', TRUST_PROXY: 'true' } }, (harness) => {
  let org: TestOrganization;

  beforeAll(async () => {
    org = await harness.organization();
  });

  it('counts every aliased call of a key-management mutation and names the field and the retry time', async () => {
    const manager = await harness.makeKey({ organization: org, scopes: ['keys:manage', 'keys:read'] });
    const target = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    const response = await harness.request(aliasedLimitChanges(target.id, 31), { key: manager.secret });
    expect(response.status).toBe(200);
    expect(response.body.data?.m30).toEqual({ id: target.id });
    const errors = response.body.errors ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toEqual(['m31']);
    expect(errors[0]!.extensions).toMatchObject({ code: 'FIELD_RATE_LIMITED', type: 'rate_limit_error', field: 'setApiKeyRateLimit' });
    expect(errors[0]!.message).toMatch(/^setApiKeyRateLimit is limited to 30 calls per 1m per API key; retry in \d+ s\.$/);
    expect(errors[0]!.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect(errors[0]!.extensions.retryAfter).toBeLessThanOrEqual(60);

    const next = await harness.request(aliasedLimitChanges(target.id, 1), { key: manager.secret });
    expect(next.body.errors?.[0]?.extensions.code).toBe('FIELD_RATE_LIMITED');
    // Each key has its own budget.
    const other = await harness.request(aliasedLimitChanges(target.id, 1), { key: org.adminKey });
    expect(other.body.errors).toBeUndefined();
  });

  it('does not count calls refused for missing scopes', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['keys:read'] });
    const response = await harness.request(aliasedLimitChanges(reader.id, 35), { key: reader.secret });
    const codes = new Set(response.body.errors?.map((error) => error.extensions.code));
    expect(codes).toEqual(new Set(['FORBIDDEN']));
  });

  it('limits createBooking per public key and client address, so one browser cannot spend the key', async () => {
    const widget = await harness.makeKey({ organization: org, scopes: ['bookings:create'], type: 'PUBLIC' });
    const from = (ip: string) => ({ key: widget.secret, variables: booking, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 10; i++) {
      const response = await harness.request(BOOK, from('203.0.113.5'));
      expect(response.body.errors?.[0]?.extensions.code).not.toBe('FIELD_RATE_LIMITED');
    }
    const eleventh = await harness.request(BOOK, from('203.0.113.5'));
    expect(eleventh.body.errors?.[0]?.extensions).toMatchObject({ code: 'FIELD_RATE_LIMITED', field: 'createBooking' });
    expect(eleventh.body.errors?.[0]?.message).toMatch(/per public key and client address/);

    const anotherBrowser = await harness.request(BOOK, from('203.0.113.6'));
    expect(anotherBrowser.body.errors?.[0]?.extensions.code).not.toBe('FIELD_RATE_LIMITED');
  });

  it('holds secret keys to the per-key createBooking limit only', async () => {
    const server = await harness.makeKey({ organization: org, scopes: ['bookings:create'] });
    for (let i = 0; i < 12; i++) {
      const response = await harness.request(BOOK, { key: server.secret, variables: booking, headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(response.body.errors?.[0]?.extensions.code).not.toBe('FIELD_RATE_LIMITED');
    }
  });

  it('prints each enforced limit into the schema as @rateLimit', async () => {
    const { printedSchemaWithoutDescriptions } = await import('../helpers/schema-text.js');
    const printed = printedSchemaWithoutDescriptions();
    expect(printed).toMatch(/directive @rateLimit\(max: Int!, window: String!, by: String! = "key"\) repeatable on FIELD_DEFINITION/);
    expect(printed).toMatch(/createBooking\(.*@rateLimit\(max: 300, window: "1m", by: "key"\) @rateLimit\(max: 10, window: "1m", by: "public-client"\)/);
    for (const field of ['createApiKey', 'updateApiKey', 'revokeApiKey', 'rollApiKey', 'setApiKeyRateLimit']) {
      expect(printed).toMatch(new RegExp(`  ${field}\\(.*@rateLimit\\(max: 30, window: "1m", by: "key"\\)`));
    }
  });
});
