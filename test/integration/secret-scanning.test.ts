/**
 * GitHub's secret-scanning partner alerts (`POST /secret-scanning`): signed
 * the way GitHub signs them (ECDSA P-256, SHA-256, base64 DER) with keys made
 * here and saved in a keys file like the one GitHub publishes. One app for
 * the file: the alerts below share its organizations and webhook receivers.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { onLocalKeyChange, type KeyChange } from '../../src/auth/key-changes.js';
import { generateApiKey } from '../../src/auth/key-format.js';
import { auditEvents } from '../../src/db/schema/index.js';
import type { HostResolver } from '../../src/lib/outbound-url.js';
import { answerLeakAlert } from '../../src/modules/secret-scanning/secret-scanning.service.js';
import { expectOk, expectRequestError, revokeKey } from '../helpers/api-keys.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { describeOnTier } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { QueryCounter } from '../helpers/query-counter.js';

type Signer = { id: string; privateKey: KeyObject; pem: string };
type Alert = { token: string; type: string; url?: string; source?: string };
type Feedback = Array<{ token_hash: string; token_type: string; label: string }>;

const signer = (id: string): Signer => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { id, privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};
const github = signer('github-current');
const rotated = signer('github-next');
const stranger = signer('someone-else');

const TYPE = 'tessera_secret_key';
const FOUND_AT = 'https://github.com/octo/shop/blob/1a2b3c/config/.env';
const LIVE_HOOK_HOST = 'hooks.example.test';
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const VIEWER = '{ viewer { apiKey { id status leakedAt } } }';
const KEYS = '{ apiKeys(includeRevoked: true) { id status revokedAt leakedAt leakSource } }';

/** The live world's receiver passes the URL check once (a public address), then resolves nowhere: nothing leaves this machine. */
let liveHostAnswers = 1;
const resolveHost: HostResolver = async (hostname) => {
  if (hostname === LIVE_HOOK_HOST && liveHostAnswers-- > 0) return [{ address: '93.184.216.34', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

describeOnTier('GitHub secret-scanning alerts', () => {
  const logs = captureLogs('debug');
  let harness: TestHarness;
  let server: Server;
  let receiver: LocalServer;
  let folder: string;
  let keysFile: string;
  let org: TestOrganization;
  let testAdmin: string;
  let liveWebhookId: string;

  const writeKeys = (signers: Signer[]) =>
    writeFileSync(keysFile, JSON.stringify({ public_keys: signers.map((s, i) => ({ key_identifier: s.id, key: s.pem, is_current: i === 0 })) }));

  // Over real HTTP: the signature covers the body bytes exactly as they arrive.
  const post = (body: string, headers: Record<string, string> = {}, method = 'POST') =>
    fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/secret-scanning`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(method === 'POST' ? { body } : {}),
    });
  const signature = (body: string, by: Signer) => sign('sha256', Buffer.from(body), { key: by.privateKey, dsaEncoding: 'der' }).toString('base64');
  const signedHeaders = (body: string, by: Signer = github, identifier = by.id) => ({
    'Github-Public-Key-Identifier': identifier,
    'Github-Public-Key-Signature': signature(body, by),
  });
  const alert = (alerts: Alert[], by: Signer = github) => {
    const body = JSON.stringify(alerts);
    return post(body, signedHeaders(body, by));
  };
  const answered = async (response: Response): Promise<Feedback> => {
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return (await response.json()) as Feedback;
  };
  const refusal = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    const { errors } = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(errors[0]!.extensions.code).toBe(code);
    return errors[0]!.message;
  };
  const leakRecords = (keyId: string) =>
    harness.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'api_key.leaked'), eq(auditEvents.targetId, keyId)));
  const liveKey = () => harness.makeKey({ organization: org, scopes: ['keys:read'], environment: 'LIVE' });
  const testKey = () => harness.makeKey({ organization: org, scopes: ['keys:read'], environment: 'TEST' });
  const keyAsAdminSees = async (id: string, environment: 'LIVE' | 'TEST' = 'LIVE') => {
    const { apiKeys } = expectOk(await harness.request(KEYS, { key: environment === 'LIVE' ? org.adminKey : testAdmin }));
    const { status, revokedAt, leakedAt, leakSource } = apiKeys.find((key: { id: string }) => key.id === id);
    return { status, revokedAt, leakedAt, leakSource };
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tessera-secret-scanning-'));
    keysFile = join(folder, 'github-secret-scanning-keys.json');
    writeKeys([github]);
    receiver = await LocalServer.start();
    harness = await TestHarness.start(
      {
        SECRET_SCANNING_PUBLIC_KEYS: keysFile,
        // A day-long cache: only the key-change notice can end a cached key in time.
        KEY_CACHE_TTL_MS: '86400000',
        WEBHOOK_POLL_INTERVAL_MS: '0',
        WEBHOOK_TIMEOUT_MS: '1000',
        MAX_BODY_BYTES: '65536',
      },
      { resolveHost, logger: logs.logger },
    );
    server = createServer(harness.app.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    org = await harness.organization('LIVE');
    testAdmin = (await harness.makeKey({ organization: org, scopes: ['*'], environment: 'TEST' })).secret;
    const events = ['api_key.leaked', 'api_key.revoked'];
    const CREATE = 'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }';
    expectOk(await harness.request(CREATE, { key: testAdmin, variables: { input: { url: receiver.url('/test-world'), events } } }));
    const live = expectOk(await harness.request(CREATE, { key: org.adminKey, variables: { input: { url: `https://${LIVE_HOOK_HOST}/tessera`, events } } }));
    liveWebhookId = live.createWebhook.webhook.id;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await harness?.stop();
    await receiver?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('drill: a leaked live key is revoked everywhere at once, recorded, announced, and refused with the reason', async () => {
    const leaked = await liveKey();
    const flagged = await testKey();
    // Both in use, so both verifications are cached.
    expect((await harness.request(VIEWER, { key: leaked.secret })).status).toBe(200);
    expect((await harness.request(VIEWER, { key: flagged.secret })).status).toBe(200);
    const notices: KeyChange[] = [];
    const stopListening = onLocalKeyChange((change) => notices.push(change));

    const payload = [
      { token: leaked.secret, type: TYPE, url: FOUND_AT, source: 'content' },
      { token: flagged.secret, type: TYPE, url: FOUND_AT, source: 'commit' },
    ];
    const feedback = await answered(await alert(payload)).finally(stopListening);
    expect(feedback).toEqual([
      { token_hash: hashOf(leaked.secret), token_type: TYPE, label: 'true_positive' },
      { token_hash: hashOf(flagged.secret), token_type: TYPE, label: 'true_positive' },
    ]);
    // The notice every instance's key cache listens for (it also went out as a NOTIFY in the same transaction).
    expect(notices).toEqual([{ keyId: leaked.id }]);

    // The next request with the leaked key is refused, saying why and nothing more.
    const refused = await harness.request(VIEWER, { key: leaked.secret });
    const error = expectRequestError(refused, 401, 'INVALID_API_KEY', /revoked after it was found in public/);
    expect(JSON.stringify(refused.body)).not.toContain('github.com');
    expect(error.message).not.toContain(leaked.id);
    // The test key is only flagged: it keeps working, and says so.
    expect(expectOk(await harness.request(VIEWER, { key: flagged.secret })).viewer.apiKey).toMatchObject({ status: 'ACTIVE', leakedAt: harness.clock.toISOString() });

    expect(await keyAsAdminSees(leaked.id)).toEqual({
      status: 'REVOKED',
      revokedAt: harness.clock.toISOString(),
      leakedAt: harness.clock.toISOString(),
      leakSource: FOUND_AT,
    });
    expect(await keyAsAdminSees(flagged.id, 'TEST')).toEqual({ status: 'ACTIVE', revokedAt: null, leakedAt: harness.clock.toISOString(), leakSource: FOUND_AT });

    const audit = expectOk(
      await harness.request('{ auditEvents(action: "api_key.leaked") { nodes { apiKeyId targetId environment outcome details } } }', { key: org.adminKey }),
    ).auditEvents.nodes;
    const recordOf = (id: string) => audit.find((record: { targetId: string }) => record.targetId === id);
    expect(recordOf(leaked.id)).toMatchObject({
      apiKeyId: null,
      environment: 'LIVE',
      outcome: 'ok',
      details: { url: FOUND_AT, source: 'content', revoked: true, via: 'GitHub secret scanning' },
    });
    expect(recordOf(flagged.id)).toMatchObject({ environment: 'TEST', details: { url: FOUND_AT, source: 'commit', revoked: false } });

    // Webhooks: each event in the key's own world. The test world's receiver is a real local server.
    await harness.app.webhooks.deliverDueWebhooks();
    const delivered = receiver.to('/test-world').map((request) => JSON.parse(request.body));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      type: 'api_key.leaked',
      data: { apiKey: { id: flagged.id, environment: 'TEST' }, leak: { url: FOUND_AT, source: 'commit', revoked: false, reportedBy: 'GitHub secret scanning' } },
    });
    expect(receiver.received.map((request) => request.body).join()).not.toContain(flagged.secret);
    // The log says which keys were acted on, and holds no token.
    const answeredLine = logs.lines.find((line) => line.msg === 'secret scanning: alert answered');
    expect(answeredLine?.keys).toEqual([
      { keyId: leaked.id, organizationId: org.organizationId, outcome: 'revoked' },
      { keyId: flagged.id, organizationId: org.organizationId, outcome: 'flagged' },
    ]);
    for (const secret of [leaked.secret, flagged.secret]) expect(logs.text()).not.toContain(secret);
    // The live world's receiver must be public https, which no test reaches: its queued deliveries show what it gets.
    const live = expectOk(
      await harness.request('query ($id: ID!) { webhook(id: $id) { deliveries { nodes { event } } } }', { key: org.adminKey, variables: { id: liveWebhookId } }),
    );
    expect(live.webhook.deliveries.nodes.map((delivery: { event: string }) => delivery.event).sort()).toEqual(['api_key.leaked', 'api_key.revoked']);

    // GitHub delivers an alert again when unsure it arrived: the same answer, and nothing happens twice.
    const revokedAt = (await keyAsAdminSees(leaked.id)).revokedAt;
    harness.advance(60_000);
    expect(await answered(await alert(payload))).toEqual(feedback);
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/test-world')).toHaveLength(1);
    expect(await leakRecords(leaked.id)).toHaveLength(1);
    expect(await leakRecords(flagged.id)).toHaveLength(1);
    expect(await keyAsAdminSees(leaked.id)).toMatchObject({ revokedAt, leakedAt: revokedAt });
    const again = expectOk(
      await harness.request('query ($id: ID!) { webhook(id: $id) { deliveries { nodes { event } } } }', { key: org.adminKey, variables: { id: liveWebhookId } }),
    );
    expect(again.webhook.deliveries.nodes).toHaveLength(2);
  });

  it('labels each token for GitHub: strings that are not Tessera keys without a lookup, unknown keys false, known keys true', async () => {
    const counter = QueryCounter.attach(harness.db);
    const real = generateApiKey('SECRET', 'LIVE');
    const notOurs = [
      { token: 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', type: 'github_personal_access_token' },
      // A Tessera key with its last character changed: the checksum gives it away.
      { token: real.slice(0, -1) + (real.endsWith('a') ? 'b' : 'a'), type: TYPE },
    ];
    const lookups = await counter.during(async () => {
      const labels = await answered(await alert(notOurs));
      expect(labels).toEqual(notOurs.map(({ token, type }) => ({ token_hash: hashOf(token), token_type: type, label: 'false_positive' })));
    });
    expect(lookups.filter((statement) => statement.includes('api_keys'))).toEqual([]);

    const publicKey = await harness.makeKey({
      organization: org,
      scopes: ['event-types:read'],
      type: 'PUBLIC',
      environment: 'LIVE',
      allowedOrigins: ['https://shop.example.com'],
    });
    const alreadyRevoked = await liveKey();
    expectOk(await revokeKey(harness, org.adminKey, alreadyRevoked.id));
    const unknown = generateApiKey('SECRET', 'LIVE');
    const labels = await answered(
      await alert([
        ...notOurs,
        { token: unknown, type: TYPE, url: FOUND_AT },
        { token: publicKey.secret, type: 'tessera_public_key', url: 'not a url', source: '<script>' },
        { token: alreadyRevoked.secret, type: TYPE, url: FOUND_AT },
      ]),
    );
    expect(labels.map((label) => label.label)).toEqual(['false_positive', 'false_positive', 'false_positive', 'true_positive', 'true_positive']);
    expect(labels[3]).toEqual({ token_hash: hashOf(publicKey.secret), token_type: 'tessera_public_key', label: 'true_positive' });

    // A public key is made to be published: flagged, still working; what was not a URL is not kept.
    expect(await keyAsAdminSees(publicKey.id)).toEqual({ status: 'ACTIVE', revokedAt: null, leakedAt: harness.clock.toISOString(), leakSource: null });
    // A key already revoked: nothing to do, nothing recorded.
    expect(await keyAsAdminSees(alreadyRevoked.id)).toMatchObject({ status: 'REVOKED', leakedAt: null });
    expect(await leakRecords(alreadyRevoked.id)).toEqual([]);
  });

  it('only flags a live secret key when SECRET_SCANNING_ACTION=flag, and revokes it once the setting says revoke', async () => {
    const key = await liveKey();
    const report = [{ token: key.secret, type: TYPE, url: FOUND_AT, source: 'content' }];
    const flagged = await answerLeakAlert(harness.db, report, 'flag', harness.clock);
    expect(flagged.acted).toEqual([{ keyId: key.id, organizationId: org.organizationId, outcome: 'flagged' }]);
    expect(expectOk(await harness.request(VIEWER, { key: key.secret })).viewer.apiKey.status).toBe('ACTIVE');
    expect((await answerLeakAlert(harness.db, report, 'flag', harness.clock)).acted[0]!.outcome).toBe('known');

    const firstSeen = harness.clock.toISOString();
    harness.advance(60_000);
    expect((await answerLeakAlert(harness.db, report, 'revoke', harness.clock)).acted[0]!.outcome).toBe('revoked');
    expectRequestError(await harness.request(VIEWER, { key: key.secret }), 401, 'INVALID_API_KEY', /found in public/);
    expect(await keyAsAdminSees(key.id)).toMatchObject({ status: 'REVOKED', leakedAt: firstSeen });
    expect((await leakRecords(key.id)).map((record) => record.details?.revoked)).toEqual([false, true]);
  });

  it('refuses with 401 an alert GitHub did not sign, before reading it', async () => {
    const key = await liveKey();
    const body = JSON.stringify([{ token: key.secret, type: TYPE, url: FOUND_AT }]);
    expect(await refusal(await post(body), 401, 'UNAUTHORIZED')).toMatch(/Github-Public-Key-Identifier and Github-Public-Key-Signature/);
    expect(await refusal(await post(body, { 'Github-Public-Key-Identifier': github.id }), 401, 'UNAUTHORIZED')).toMatch(/headers are needed/);
    expect(await refusal(await post(body, signedHeaders(body, stranger, github.id)), 401, 'UNAUTHORIZED')).toMatch(/does not verify/);
    expect(await refusal(await post(body, signedHeaders(body, stranger)), 401, 'UNAUTHORIZED')).toMatch(/key identifier is not among/);
    expect(await refusal(await post(body.replace(FOUND_AT, 'https://x.test'), signedHeaders(body)), 401, 'UNAUTHORIZED')).toMatch(/does not verify/);
    const garbled = { ...signedHeaders(body), 'Github-Public-Key-Signature': '%%%not base64%%%' };
    expect(await refusal(await post(body, garbled), 401, 'UNAUTHORIZED')).toMatch(/does not verify/);

    expect(expectOk(await harness.request(VIEWER, { key: key.secret })).viewer.apiKey).toEqual({ id: key.id, status: 'ACTIVE', leakedAt: null });
    expect(await leakRecords(key.id)).toEqual([]);
    expect(logs.text()).not.toContain(key.secret);
  });

  it('answers POST with JSON only, and a 4xx for anything else, never a 500', async () => {
    const get = await post('', {}, 'GET');
    expect(await refusal(get, 405, 'METHOD_NOT_ALLOWED')).toMatch(/answers POST/);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');

    const form = 'token=sk_live_x';
    expect(await refusal(await post(form, { ...signedHeaders(form), 'content-type': 'application/x-www-form-urlencoded' }), 400, 'BAD_REQUEST')).toMatch(/JSON/);
    const signedGarbage = async (body: string) => refusal(await post(body, signedHeaders(body)), 400, 'BAD_REQUEST');
    expect(await signedGarbage('{"token": "sk_live_')).toMatch(/not JSON/);
    expect(await signedGarbage('{"token": "x", "type": "y"}')).toMatch(/not an array/);
    expect(await signedGarbage('[1]')).toMatch(/item 0 is not an object/);
    expect(await signedGarbage('[{"type": "t"}]')).toMatch(/item 0 has no "token"/);
    expect(await signedGarbage('[{"token": "t", "type": 7}]')).toMatch(/"type" that is not a string/);
    expect(await answered(await alert([]))).toEqual([]);

    const huge = JSON.stringify([{ token: 'x'.repeat(70_000), type: TYPE }]);
    expect(await refusal(await post(huge, signedHeaders(huge)), 413, 'PAYLOAD_TOO_LARGE')).toMatch(/larger than 65536 bytes/);
  });

  it('reads the keys file again when it changed: GitHub’s new key is accepted, a broken file keeps the keys read before', async () => {
    expect(await refusal(await alert([], rotated), 401, 'UNAUTHORIZED')).toMatch(/key identifier/);
    writeKeys([rotated, github]);
    expect(await answered(await alert([], rotated))).toEqual([]);
    writeFileSync(keysFile, '{"public_keys": "half-written');
    expect(await answered(await alert([], rotated))).toEqual([]);
    expect(logs.lines.some((line) => line.msg.includes('does not read; keeping the keys read before') && /not JSON/.test(line.reason))).toBe(true);
    expect(await answered(await alert([], github))).toEqual([]);
  });

});
