/**
 * A public key reads what it must not: through `viewer { apiKey { … } }` the
 * key owner's email and the previous visitor's address; through a booking's
 * history the acting secret key and what staff did. Refused by requirements
 * on types as well as fields, proven two ways: a walk of every path from every
 * root field to every leaf for each kind of key (from the same declarations
 * that drive enforcement), and the attacks themselves over HTTP.
 */
import type { GraphQLObjectType } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, PUBLIC_KEY_SCOPES, ROLE_SCOPES } from '../../src/auth/access/scopes.js';
import { buildSchema } from '../../src/schema.js';
import { attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { reach } from '../helpers/reach.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const schema = buildSchema();
const KINDS = {
  public: new Set(PUBLIC_KEY_SCOPES),
  'secret, member role': new Set(ROLE_SCOPES.MEMBER),
  'secret, admin': new Set(ALL_SCOPES),
};

describe('what each kind of key can reach (walk of every path)', () => {
  const publicReach = reach(schema, KINDS.public);

  it('shows a public key no person’s email except its own booking’s attendee', () => {
    expect([...publicReach].filter((field) => /\.email$/.test(field))).toEqual(['Attendee.email']);
  });

  it('shows a public key no address', () => {
    expect([...publicReach].filter((field) => /(ip|Ip|address|Address)$/.test(field))).toEqual([]);
  });

  it('shows a public key no member or service account, no audit record, no other key and no webhook or calendar detail', () => {
    const types = new Set([...publicReach].map((field) => field.split('.')[0]));
    for (const hidden of ['Member', 'ServiceAccount', 'AuditEvent', 'ApiKeyReference', 'Webhook', 'WebhookDelivery', 'CalendarConnection', 'Analytics']) {
      expect(types, hidden).not.toContain(hidden);
    }
    expect([...publicReach].filter((field) => field.startsWith('ApiKey.'))).not.toContain('ApiKey.createdBy');
  });

  it('shows a member-role key no audit records and no people behind keys', () => {
    const memberReach = [...reach(schema, KINDS['secret, member role'])];
    expect(memberReach.some((field) => /^(AuditEvent|Member|ServiceAccount)\./.test(field))).toBe(false);
    expect(memberReach).not.toContain('ApiKey.lastUsedIp');
  });

  it('lets an admin key reach every root field, and every field of every type it reaches', () => {
    const adminReach = reach(schema, KINDS['secret, admin']);
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.keys(root.getFields())) expect(adminReach, `${root.name}.${field}`).toContain(`${root.name}.${field}`);
    }
    const types = new Set([...adminReach].map((field) => field.split('.')[0]!));
    for (const name of types) {
      const type = schema.getType(name) as GraphQLObjectType;
      for (const field of Object.keys(type.getFields())) expect(adminReach, `${name}.${field}`).toContain(`${name}.${field}`);
    }
  });

  it('pins what a public key can reach: widening it is a reviewed change', async () => {
    await expect([...publicReach].sort().join('\n') + '\n').toMatchFileSnapshot('./__reach__/public-key.txt');
  });
});

describeIntegrationOnOneTier(`a public key's attacks over HTTP`, (harness) => {
  let org: TestOrganization;
  let site: { id: string; secret: string };
  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    site = await harness.makeKey({ organization: org, type: 'PUBLIC', scopes: [...PUBLIC_KEY_SCOPES] });
  });

  it("cannot read the key owner's email or the previous visitor's address through viewer.apiKey", async () => {
    await harness.request('{ viewer { scopes } }', { key: site.secret, headers: { 'x-forwarded-for': '198.51.100.99' } });
    const response = await harness.request('{ viewer { apiKey { id createdBy { email } lastUsedIp } } }', { key: site.secret });
    expect(response.status).toBe(200);
    expect(response.body.data?.viewer.apiKey).toEqual({ id: site.id, createdBy: null, lastUsedIp: null });
    // A type-level refusal is reported at the first field read from the refused object.
    expect(response.body.errors?.map((error) => [error.path?.join('.'), error.extensions.code]).sort()).toEqual([
      ['viewer.apiKey.createdBy.email', 'FORBIDDEN'],
      ['viewer.apiKey.lastUsedIp', 'FORBIDDEN'],
    ]);
    expect(JSON.stringify(response.body)).not.toContain('@example.com');
  });

  it("cannot read, through its own booking's history, the secret key that acted or why", async () => {
    const host = await seedHost(harness, tenantOf(org), { capacity: 10 });
    const eventType = await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
    const created = (
      await harness.request('mutation($input: CreateBookingInput!) { createBooking(input: $input) { id accessToken } }', {
        key: site.secret,
        variables: { input: { eventTypeId: eventType.id, startAt: '2030-01-08T10:00:00.000Z', attendee: attendee() } },
      })
    ).body.data!.createBooking;
    await harness.request('mutation($id: ID!) { cancelBooking(id: $id, reason: "Spam, blocked by staff") { id } }', {
      key: org.adminKey,
      variables: { id: created.id },
    });

    const response = await harness.request(
      'query($id: ID!, $token: String) { booking(id: $id, accessToken: $token) { status createdByKey { id } history { type actingKey { id preview } details } } }',
      { key: site.secret, variables: { id: created.id, token: created.accessToken } },
    );
    const booking = response.body.data!.booking;
    expect(booking.status).toBe('CANCELLED');
    // Its own creation, by itself, stays visible; the staff cancellation and its reason do not.
    expect(booking.history).toEqual([{ type: 'CREATED', actingKey: { id: site.id, preview: expect.stringMatching(/^pk_test_/) }, details: {} }]);
    expect(JSON.stringify(response.body)).not.toContain('Spam');
    expect(JSON.stringify(response.body)).not.toContain(org.adminKeyId);
  });
});
