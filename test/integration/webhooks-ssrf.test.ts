import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemResolver, type HostResolver } from '../../src/lib/outbound-url.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { errorCode } from '../helpers/scheduling.js';

const PUBLIC_ADDRESS = '93.184.215.14';

/**
 * Staged DNS: each host answers its queued address lists in turn, repeating
 * the last. `localhost` goes to the real resolver. Nothing here is ever
 * connected to except 127.0.0.1: public answers only reach the guard.
 */
const staged = new Map<string, string[][]>();
const resolveHost: HostResolver = async (hostname) => {
  if (hostname === 'localhost') return systemResolver(hostname);
  const queue = staged.get(hostname);
  if (!queue) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
  return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const CREATE = `mutation ($url: String!, $events: [String!]!) {
  createWebhook(input: { url: $url, events: $events }) { webhook { id url } }
}`;

describeIntegration('webhook URLs cannot reach inside the network', { env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '1000' }, deps: { resolveHost } }, (harness) => {
  let receiver: LocalServer;
  let live: TestOrganization;
  let test: TestOrganization;

  beforeAll(async () => {
    receiver = await LocalServer.start();
    live = await harness.organization('LIVE');
    test = await harness.organization('TEST');
    staged.set('intranet.example.test', [['10.20.30.40']]);
    staged.set('dual.example.test', [[PUBLIC_ADDRESS, 'fd00:ec2::254']]);
    staged.set('hooks.example.test', [[PUBLIC_ADDRESS]]);
  });
  afterAll(async () => {
    await receiver.close();
  });

  it.each([
    ['plain http', 'http://hooks.example.test/tessera', /https/],
    ['loopback', 'https://127.0.0.1/hook', /loopback/],
    ['a private address', 'https://10.0.0.5/hook', /private/],
    ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data/', /metadata/],
    ['IPv6 loopback', 'https://[::1]/hook', /loopback/],
    ['the IPv6 metadata address', 'https://[fd00:ec2::254]/hook', /metadata/],
    ['a name resolving to loopback', 'https://localhost/hook', /localhost resolves to .*loopback/],
    ['a name resolving to a private address', 'https://intranet.example.test/hook', /10\.20\.30\.40, a private address/],
    ['a name with one bad address among good ones', 'https://dual.example.test/hook', /fd00:ec2::254/],
    ['a name that does not resolve', 'https://nowhere.example.test/hook', /could not resolve/],
  ])('refuses %s in live mode', async (_what, url, reason) => {
    const response = await harness.request(CREATE, { key: live.adminKey, variables: { url, events: ['booking.created'] } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.body.errors![0]!.extensions.field).toBe('url');
    expect(response.body.errors![0]!.message).toMatch(reason);
  });

  it('accepts an https URL whose host resolves only to public addresses', async () => {
    const response = await harness.request(CREATE, {
      key: live.adminKey,
      variables: { url: 'https://hooks.example.test/tessera', events: ['booking.no_show'] },
    });
    expect(response.body.errors).toBeUndefined();
    const { id } = response.body.data!.createWebhook.webhook;
    // Moving it inside the network later is refused just the same.
    const update = await harness.request('mutation ($id: ID!) { updateWebhook(id: $id, input: { url: "https://10.0.0.5/x" }) { id } }', {
      key: live.adminKey,
      variables: { id },
    });
    expect(errorCode(update)).toBe('BAD_USER_INPUT');
    await harness.request('mutation ($id: ID!) { deleteWebhook(id: $id) { id } }', { key: live.adminKey, variables: { id } });
  });

  it.each([
    ['when the name now points inside', [[PUBLIC_ADDRESS], ['127.0.0.1']]],
    // Public at the check before sending, loopback when the socket resolves: it connects only to checked addresses.
    ['between the check and the connection', [[PUBLIC_ADDRESS], [PUBLIC_ADDRESS], ['127.0.0.1']]],
  ])('checks again at delivery and never connects %s', async (what, answers) => {
    const host = `rebind-${answers.length}.example.test`;
    staged.set(host, answers);
    const created = await harness.request(CREATE, {
      key: live.adminKey,
      variables: { url: `https://${host}:${receiver.port}/hook`, events: ['api_key.created'] },
    });
    expect(created.body.errors).toBeUndefined();
    const webhookId = created.body.data!.createWebhook.webhook.id;
    await harness.request(
      `mutation { createApiKey(input: { name: "${what}", type: SECRET, environment: LIVE, scopes: ["bookings:read"], expiresIn: NEVER }) { apiKey { id } } }`,
      { key: live.adminKey },
    );
    await harness.app.webhooks.deliverDueWebhooks();

    expect(receiver.connections).toBe(0);
    const deliveries = await harness.request(
      'query ($id: ID!) { webhook(id: $id) { deliveries { nodes { status attempts responseStatus lastError } } } }',
      { key: live.adminKey, variables: { id: webhookId } },
    );
    expect(deliveries.body.data!.webhook.deliveries.nodes[0]).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      responseStatus: null,
      lastError: 'unreachable',
    });
    await harness.request('mutation ($id: ID!) { deleteWebhook(id: $id) { id } }', { key: live.adminKey, variables: { id: webhookId } });
  });

  it('lets test mode reach http on loopback, but not private or metadata addresses', async () => {
    const local = await harness.request(CREATE, { key: test.adminKey, variables: { url: receiver.url('/ok'), events: ['booking.created'] } });
    expect(local.body.errors).toBeUndefined();
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data/', 'http://intranet.example.test/hook']) {
      const response = await harness.request(CREATE, { key: test.adminKey, variables: { url, events: ['booking.created'] } });
      expect(errorCode(response), url).toBe('BAD_USER_INPUT');
    }
  });

  it('validates the event names', async () => {
    const response = await harness.request(CREATE, { key: test.adminKey, variables: { url: receiver.url('/x'), events: ['booking.exploded'] } });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.body.errors![0]!.extensions.field).toBe('events');
  });
});
