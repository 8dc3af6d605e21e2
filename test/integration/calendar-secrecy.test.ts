import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { GraphQLString, getNamedType, isInterfaceType, isObjectType, type GraphQLNamedType } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema.js';
import type { TestHarness, TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { createTeamMember } from '../helpers/scheduling.js';

/** Words in a field name that suggest it could carry a credential or a location that is one. */
const SUSPICIOUS = ['url', 'uri', 'href', 'link', 'feed', 'secret', 'token', 'password', 'credential', 'sealed', 'cipher'];

/** Fields that match on purpose, and why each is fine. */
const ALLOWED: Record<string, string> = {
  'ApiKeyWithSecret.secret': 'a new API key, shown once to the key that created it',
  'OrganizationKeyPolicy.requireAllowedIpsForLiveSecretKeys': 'a boolean rule about secret (sk_) keys, not a secret',
  'WebhookWithSecret.secret': 'a new webhook signing secret, shown once to its creator',
  'Webhook.url': "the customer's own endpoint, which they must be able to review (webhooks:read)",
  'Mutation.rotateWebhookSecret': 'answers with WebhookWithSecret, below',
  'Booking.accessToken':
    "a public key's one-time token for reading back the booking it just made; set only on createBooking's answer, null on every later read (booking-access-tokens.test.ts)",
};
/** Types whose name says "secret" on purpose: a secret shown once, at creation. */
const ALLOWED_TYPES: Record<string, string> = {
  ApiKeyWithSecret: 'createApiKey and rollApiKey answer with the new key once',
  WebhookWithSecret: 'createWebhook and rotateWebhookSecret answer with the signing secret once',
};

const wordsOf = (name: string) => name.split(/(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])|_/).map((word) => word.toLowerCase().replace(/s$/, ''));
const suspicious = (name: string) => wordsOf(name).some((word) => SUSPICIOUS.includes(word));

function suspiciousFields(types: readonly GraphQLNamedType[]): string[] {
  const found: string[] = [];
  for (const type of types) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      // By name (feedUrl, accessToken) or by type (a URL scalar, a Credentials object).
      const name = `${type.name}.${field.name}`;
      const typeName = getNamedType(field.type).name;
      if ((suspicious(field.name) && !(name in ALLOWED)) || (suspicious(typeName) && !(typeName in ALLOWED_TYPES))) found.push(name);
    }
  }
  return found;
}

describe('the schema has no field that could expose a calendar URL or other credential', () => {
  const types = Object.values(buildSchema().getTypeMap());

  it('names no output field after a URL, token or secret, except the reviewed ones', () => {
    expect(suspiciousFields(types)).toEqual([]);
  });

  it('would catch such a field (the heuristic is not vacuous)', () => {
    const urlScalar = { name: 'URL' };
    const fields = { feedUrl: { name: 'feedUrl', type: GraphQLString }, accessToken: { name: 'accessToken', type: GraphQLString }, source: { name: 'source', type: urlScalar } };
    const fake = Object.setPrototypeOf({ name: 'CalendarConnection', getFields: () => fields }, Object.getPrototypeOf(buildSchema().getType('CalendarConnection')));
    expect(suspiciousFields([fake])).toEqual(['CalendarConnection.feedUrl', 'CalendarConnection.accessToken', 'CalendarConnection.source']);
  });

  it('gives CalendarConnection only metadata', () => {
    const connection = buildSchema().getType('CalendarConnection');
    expect(isObjectType(connection) && Object.keys(connection.getFields()).sort()).toEqual(
      ['createdAt', 'host', 'id', 'lastError', 'lastSyncedAt', 'provider', 'status', 'teamMember'].sort(),
    );
  });
});

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

describeIntegrationOnOneTier("a connected calendar's URL stays secret", {
  env: { CALENDAR_REFRESH_INTERVAL_MS: '0', WEBHOOK_POLL_INTERVAL_MS: '0' },
  deps: { logger: pino({ level: 'trace' }, sink) },
}, (harness) => {
  let feeds: LocalServer;
  let org: TestOrganization;
  const token = randomBytes(18).toString('base64url');
  const path = `/private/${token}/basic.ics?auth=${token}`;

  beforeAll(async () => {
    feeds = await LocalServer.start();
    org = await harness.organization('TEST');
  });
  afterAll(async () => {
    await feeds.close();
  });

  it('appears in no response, no stored column and no log line', async () => {
    const url = feeds.url(path);
    feeds.reply = () => ({ status: 200, body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n' });
    const member = await createTeamMember(harness, org.adminKey);
    const responses: unknown[] = [];
    const ask = async (query: string, variables?: Record<string, unknown>) => {
      const response = await harness.request(query, { key: org.adminKey, variables });
      responses.push(response.body);
      return response;
    };

    const connected = await ask(
      'mutation ($m: ID!, $u: String!) { connectCalendar(teamMemberId: $m, url: $u) { id provider host status lastSyncedAt lastError createdAt teamMember { id name } } }',
      { m: member.id, u: url },
    );
    expect(connected.body.data!.connectCalendar.status).toBe('ACTIVE');
    // A failing fetch, an unexpected one, and a refused URL: error paths must not echo it either.
    feeds.reply = () => ({ status: 500, body: url });
    await harness.app.calendars.refreshStale();
    feeds.reply = () => ({ status: 200, body: `not a calendar ${url}` });
    await harness.app.calendars.refreshStale();
    await ask('mutation ($m: ID!, $u: String!) { connectCalendar(teamMemberId: $m, url: $u) { id } }', {
      m: member.id,
      u: `http://10.1.2.3${path}`,
    });
    await ask('mutation ($m: ID!, $u: String!) { connectCalendar(teamMemberId: $m, url: $u) { id } }', { m: 'tm_nobody', u: url });
    await ask('{ calendars { id provider host status lastSyncedAt lastError createdAt teamMember { id name email timeZone } } }');
    await ask('query ($ids: [ID!]!) { freeBusy(teamMemberIds: $ids, from: "2030-01-07T00:00:00Z", to: "2030-01-08T00:00:00Z") { busy { start } } }', {
      ids: [member.id],
    });
    await harness.app.flush();
    await ask('{ auditEvents(first: 200) { edges { node { id action details rootFields operationName } } } }');
    await ask(`mutation { disconnectCalendar(id: "${connected.body.data!.connectCalendar.id}") { id host } }`);

    expect(feeds.received.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(responses)).not.toContain(token);
    expect(await everyStoredRow(harness)).not.toContain(token);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(token);
  });

  it('is stored sealed while connected', async () => {
    const member = await createTeamMember(harness, org.adminKey);
    feeds.reply = () => ({ status: 200, body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n' });
    await harness.request('mutation ($m: ID!, $u: String!) { connectCalendar(teamMemberId: $m, url: $u) { id } }', {
      key: org.adminKey,
      variables: { m: member.id, u: feeds.url(path) },
    });
    const [row] = await harness.database.query<{ url_sealed: string }>(
      `select url_sealed from calendar_connections where team_member_id = '${member.id}'`,
    );
    expect(row!.url_sealed).toMatch(/^v1\./);
    expect(await everyStoredRow(harness)).not.toContain(token);
  });
});

async function everyStoredRow(harness: TestHarness): Promise<string> {
  const tables = await harness.database.query<{ name: string }>(
    "select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')",
  );
  const rows: string[] = [];
  for (const { name } of tables) {
    rows.push(...(await harness.database.query<{ row: string }>(`select row_to_json(t)::text as row from ${name} t`)).map((r) => r.row));
  }
  return rows.join('\n');
}
