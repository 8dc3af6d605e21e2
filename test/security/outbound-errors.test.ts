/**
 * A webhook URL or calendar feed is an address Tessera calls on a caller's
 * behalf. What the API tells about a failed call must not turn that into a
 * probe of the network Tessera runs in: a failure shows only its category
 * (`unreachable`, `timeout`, `http_error`, `invalid_feed`), in both worlds,
 * never the status, error code or address that tells one service from another.
 * Operators still get the detail in the server log, without the feed's URL.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostResolver } from '../../src/lib/outbound-url.js';
import { findFreePort } from '../helpers/free-port.js';
import type { TestOrganization } from '../helpers/harness.js';
import { LocalServer } from '../helpers/local-server.js';
import { createTeamMember } from '../helpers/scheduling.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const PUBLIC_ADDRESS = '93.184.215.14';
const CATEGORIES = ['unreachable', 'timeout', 'http_error', 'invalid_feed'];

/** Staged DNS: each host answers its queued address lists in turn, repeating the last. */
const staged = new Map<string, string[][]>();
const resolveHost: HostResolver = async (hostname) => {
  const queue = staged.get(hostname);
  if (!queue) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
  return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const CREATE_WEBHOOK = `mutation ($url: String!) {
  createWebhook(input: { url: $url, events: ["api_key.created"] }) { webhook { id } }
}`;
const DELIVERIES = `query ($id: ID!) {
  webhook(id: $id) { deliveries { nodes { status attempts responseStatus lastError } } }
}`;
const CONNECT = `mutation ($member: ID!, $url: String!) {
  connectCalendar(teamMemberId: $member, url: $url) { id status lastError }
}`;
const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

describeIntegrationOnOneTier(
  `failed outbound calls show a category, not the network behind them`,
  {
    env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '300', CALENDAR_REFRESH_INTERVAL_MS: '0', CALENDAR_FETCH_TIMEOUT_MS: '300' },
    deps: { resolveHost, logger: pino({ level: 'trace' }, sink) },
  },
  (harness) => {
  let local: LocalServer;
  let closedPort: number;
  let test: TestOrganization;
  let live: TestOrganization;

  beforeAll(async () => {
    // A stand-in for services on the server's own machine: each path answers differently.
    local = await LocalServer.start();
    local.reply = (request) => {
      const status = /^\/status\/(\d{3})/.exec(request.path);
      if (status) return { status: Number(status[1]), body: `{"service":"internal-admin","path":"${request.path}"}` };
      if (request.path.startsWith('/hang')) return 'hang';
      if (request.path.startsWith('/page')) return { status: 200, body: '<html><title>Internal dashboard</title></html>' };
      return { status: 200, body: ics, headers: { 'content-type': 'text/calendar' } };
    };
    closedPort = await findFreePort();
    test = await harness.organization('TEST');
    live = await harness.organization('LIVE');
  });
  afterAll(async () => {
    await local.close();
  });

  /** Subscribes a webhook at `url`, makes an event for it, attempts it once, and returns what the API shows of that attempt. */
  async function deliveryTo(org: TestOrganization, url: string) {
    const created = await harness.request(CREATE_WEBHOOK, { key: org.adminKey, variables: { url } });
    expect(created.body.errors).toBeUndefined();
    const webhookId = created.body.data!.createWebhook.webhook.id;
    const environment = org === live ? 'LIVE' : 'TEST';
    await harness.request(
      `mutation { createApiKey(input: { name: "probe", type: SECRET, environment: ${environment}, scopes: ["bookings:read"], expiresIn: NEVER }) { apiKey { id } } }`,
      { key: org.adminKey },
    );
    await harness.app.webhooks.deliverDueWebhooks();
    // Kept afterwards, so the last test finds every recorded failure; the newest delivery is this one.
    const shown = await harness.request(DELIVERIES, { key: org.adminKey, variables: { id: webhookId } });
    return shown.body.data!.webhook.deliveries.nodes[0];
  }

  /** Connects a feed at `url` (fetched at once) and returns what the API shows. */
  async function feedAt(org: TestOrganization, url: string) {
    const member = await createTeamMember(harness, org.adminKey);
    const response = await harness.request(CONNECT, { key: org.adminKey, variables: { member: member.id, url } });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.connectCalendar as { id: string; status: string; lastError: string | null };
  }

  it.each([
    ['a closed local port', 'unreachable', () => `http://127.0.0.1:${closedPort}/hook`],
    ['TLS spoken to a local plain-HTTP port', 'unreachable', () => `https://127.0.0.1:${local.port}/hook`],
    ['a local service answering 404', 'http_error', () => local.url('/status/404')],
    ['a local service answering 401', 'http_error', () => local.url('/status/401')],
    ['a local service answering 500', 'http_error', () => local.url('/status/500')],
    ['a local service that never answers', 'timeout', () => local.url('/hang')],
  ])('a test-mode webhook aimed at %s shows only %s', async (_what, category, url) => {
    const delivery = await deliveryTo(test, url());
    expect(delivery).toEqual({ status: 'PENDING', attempts: 1, responseStatus: null, lastError: category });
  });

  it.each([
    ['a name that now resolves to loopback', [[PUBLIC_ADDRESS], ['127.0.0.1']]],
    ['a name that now resolves to a private address', [[PUBLIC_ADDRESS], ['10.20.30.40']]],
    ['a name that no longer resolves', [[PUBLIC_ADDRESS], []]],
  ])('a live webhook at %s shows unreachable, not what the name resolves to', async (what, answers) => {
    const host = `hook-${randomBytes(4).toString('hex')}.example.test`;
    staged.set(host, answers);
    const delivery = await deliveryTo(live, `https://${host}/hook`);
    expect(delivery, what).toEqual({ status: 'PENDING', attempts: 1, responseStatus: null, lastError: 'unreachable' });
  });

  it.each([
    ['a closed local port', 'unreachable', () => `http://127.0.0.1:${closedPort}/feed.ics`],
    ['TLS spoken to a local plain-HTTP port', 'unreachable', () => `https://127.0.0.1:${local.port}/feed.ics`],
    ['a local service answering 404', 'http_error', () => local.url('/status/404')],
    ['a local service answering 500', 'http_error', () => local.url('/status/500')],
    ['a local web page', 'invalid_feed', () => local.url('/page')],
    ['a local service that never answers', 'timeout', () => local.url('/hang')],
  ])('a test-mode calendar feed at %s shows only %s', async (_what, category, url) => {
    const connection = await feedAt(test, url());
    expect(connection).toMatchObject({ status: 'ERROR', lastError: category });
    const listed = await harness.request('{ calendars { id lastError } }', { key: test.adminKey });
    expect(listed.body.data!.calendars).toContainEqual({ id: connection.id, lastError: category });
  });

  it('a live calendar feed whose name now resolves inside shows unreachable, not the address', async () => {
    const host = `feed-${randomBytes(4).toString('hex')}.example.test`;
    staged.set(host, [[PUBLIC_ADDRESS], ['127.0.0.1']]);
    expect(await feedAt(live, `https://${host}/calendar.ics`)).toMatchObject({ status: 'ERROR', lastError: 'unreachable' });
  });

  it('records nothing but a category, whatever failed', async () => {
    const stored = await harness.database.query<{ last_error: string | null }>(
      'select last_error from webhook_deliveries union all select last_error from calendar_connections',
    );
    const errors = stored.map((row) => row.last_error).filter((error) => error !== null);
    expect(errors.length).toBeGreaterThan(10);
    for (const error of errors) expect(CATEGORIES).toContain(error);
    const statuses = await harness.database.query<{ response_status: number | null }>('select response_status from webhook_deliveries');
    expect(statuses.map((row) => row.response_status).filter((status) => status !== null)).toEqual([]);
  });

  it("keeps the detail in the server log for operators, without the feed's secret URL", async () => {
    const token = randomBytes(18).toString('base64url');
    logLines.length = 0;
    const refused = await feedAt(test, `http://127.0.0.1:${closedPort}/private/${token}/feed.ics?auth=${token}`);
    const notFound = await feedAt(test, local.url(`/status/404/${token}?auth=${token}`));
    const delivery = await deliveryTo(test, local.url(`/status/503?token=${token}`));
    expect(delivery.lastError).toBe('http_error');

    const records = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const about = (field: string, id: string) => records.filter((record) => record[field] === id).map((record) => JSON.stringify(record));
    expect(about('connectionId', refused.id).join('\n')).toMatch(/ECONNREFUSED/);
    expect(about('connectionId', notFound.id).join('\n')).toMatch(/404/);
    expect(records.some((record) => typeof record.deliveryId === 'string' && /503/.test(JSON.stringify(record)))).toBe(true);
    expect(logLines.join('\n')).not.toContain(token);
  });
});
