import { beforeAll, expect, it } from 'vitest';
import { PUBLIC_KEY_SCOPES } from '../../src/auth/access/scopes.js';
import { expectBadUserInput, expectOk } from '../helpers/api-keys.js';
import { seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const SHOP = 'https://shop.example.com';
const REPORT = `query Report($document: String!, $operationName: String, $variables: JSON) {
  requiredScopes(document: $document, operationName: $operationName, variables: $variables) {
    alternatives satisfiedByViewer missing fields { path requirement }
  }
}`;
const HOSTS_WITH_EMAIL = '{ eventTypes { nodes { title hosts { name email } } } }';

describeIntegrationOnOneTier('least privilege you can see: requiredScopes and Tessera-Accepted-Scopes', (harness) => {
  let org: TestOrganization;
  let site: string;
  let reader: string;

  beforeAll(async () => {
    org = await harness.organization();
    [site, reader] = await Promise.all([
      harness.makeKey({ organization: org, type: 'PUBLIC', scopes: [...PUBLIC_KEY_SCOPES], allowedOrigins: [SHOP] }).then((key) => key.secret),
      harness.makeKey({ organization: org, scopes: ['event-types:read', 'team:read'] }).then((key) => key.secret),
    ]);
    await harness.app.origins.refresh();
    // A host on an event type, so a public key reading hosts' emails meets the refusal.
    const host = await seedHost(harness, tenantOf(org));
    await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
  });

  const report = (key: string, document: string, extra: { operationName?: string; variables?: unknown } = {}) =>
    harness.request(REPORT, { key, variables: { document, ...extra } });

  it("reports an operation's requirement and each guarded field, and whether the calling key satisfies it", async () => {
    const expected = {
      alternatives: [
        ['event-types:read', 'team:read'],
        ['event-types:read', 'team:write'],
      ],
      fields: [
        { path: 'eventTypes', requirement: [['event-types:read']] },
        { path: 'eventTypes.nodes.hosts.email', requirement: [['team:read'], ['team:write']] },
      ],
    };
    expect(expectOk(await report(reader, HOSTS_WITH_EMAIL)).requiredScopes).toEqual({ ...expected, satisfiedByViewer: true, missing: [] });
    // A public key holds event-types:read, and never team:*: the ceiling counts as on every request.
    expect(expectOk(await report(site, HOSTS_WITH_EMAIL)).requiredScopes).toEqual({ ...expected, satisfiedByViewer: false, missing: ['team:read'] });
  });

  it('evaluates @include/@skip with the variables given', async () => {
    const document = 'query($withKeys: Boolean!) { viewer { scopes } apiKeys @include(if: $withKeys) { id } }';
    const without = expectOk(await report(site, document, { variables: { withKeys: false } })).requiredScopes;
    expect(without).toEqual({ alternatives: [[]], satisfiedByViewer: true, missing: [], fields: [] });
    const withKeys = expectOk(await report(site, document, { variables: { withKeys: true } })).requiredScopes;
    expect(withKeys).toMatchObject({ alternatives: [['keys:read']], satisfiedByViewer: false, missing: ['keys:read'] });
  });

  it('refuses a document that does not parse or validate with BAD_USER_INPUT on document, in GraphQL’s words', async () => {
    expectBadUserInput(await report(reader, '{ viewer {'), 'document');
    const invalid = expectBadUserInput(await report(reader, '{ viewer { scopes nope } }'), 'document');
    expect(invalid.message).toBe('document: Cannot query field "nope" on type "Viewer".');
  });

  it('refuses an unknown operationName, or none among several operations, on operationName', async () => {
    const two = 'query A { viewer { scopes } } query B { apiKeys { id } }';
    expect(expectBadUserInput(await report(reader, two), 'operationName').message).toContain('Must provide operation name');
    expect(expectBadUserInput(await report(reader, two, { operationName: 'C' }), 'operationName').message).toContain('Unknown operation named "C"');
    expect(expectOk(await report(reader, two, { operationName: 'B' })).requiredScopes.alternatives).toEqual([['keys:read']]);
  });

  it('refuses a condition variable that is not a Boolean, naming it', async () => {
    const response = await report(reader, 'query($k: Boolean!) { apiKeys @include(if: $k) { id } }', { variables: { k: 'yes' } });
    expectBadUserInput(response, 'variables.k');
  });

  it('names the requirement of the operation sent in Tessera-Accepted-Scopes, also when the key falls short', async () => {
    const refused = await harness.request(HOSTS_WITH_EMAIL, { key: site });
    expect(refused.body.errors?.map((error) => [error.path?.join('.'), error.extensions.code])).toEqual([['eventTypes.nodes.0.hosts.0.email', 'FORBIDDEN']]);
    expect(refused.headers.get('tessera-accepted-scopes')).toBe('event-types:read+team:read | event-types:read+team:write');
    const bookings = await harness.request('query Mine { bookings { nodes { id } } }', { key: reader });
    expect(bookings.headers.get('tessera-accepted-scopes')).toBe('bookings:read | bookings:read-own');
    expect((await harness.request('{ viewer { scopes } }', { key: reader })).headers.get('tessera-accepted-scopes')).toBe('none');
  });

  it('names what the operation may need whatever its variables: a variable @include counts as included', async () => {
    const response = await harness.request('query($k: Boolean!) { viewer { scopes } apiKeys @include(if: $k) { id } }', {
      key: reader,
      variables: { k: false },
    });
    expect(expectOk(response)).toEqual({ viewer: { scopes: ['event-types:read', 'team:read'] } });
    expect(response.headers.get('tessera-accepted-scopes')).toBe('keys:read');
  });

  it('sends no Tessera-Accepted-Scopes without a valid key, nor for a document that does not validate', async () => {
    const unauthenticated = await harness.request(HOSTS_WITH_EMAIL);
    expect(unauthenticated.status).toBe(401);
    const unknownKey = await harness.request(HOSTS_WITH_EMAIL, { key: `sk_test_${'0'.repeat(38)}` });
    expect(unknownKey.status).toBe(401);
    const invalid = await harness.request('{ nope }', { key: reader });
    expect(invalid.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    for (const response of [unauthenticated, unknownKey, invalid]) expect(response.headers.get('tessera-accepted-scopes')).toBeNull();
  });

  it('lets a page of an allowed origin read the header', async () => {
    const response = await harness.request('{ eventTypes { nodes { id } } }', { key: site, headers: { origin: SHOP } });
    expect(response.headers.get('tessera-accepted-scopes')).toBe('event-types:read');
    expect(response.headers.get('access-control-expose-headers')).toContain('Tessera-Accepted-Scopes');
  });
});
