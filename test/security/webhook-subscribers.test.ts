/**
 * The attack: an admin about to leave subscribes a webhook to their own URL, with their own key or a
 * service account's they received. Their keys stop when they are deactivated; the webhook went on
 * copying every booking to them. Refused: an endpoint delivers while the member who held the key that
 * subscribed it (created, changed or resumed it) could subscribe it now — deactivated, or moved to a
 * role that does not manage webhooks, pauses it in the same transaction, and nothing more is sent
 * until another admin resumes it and answers for it. The same holds for the service account that
 * owned the key: deleting it ends its keys and pauses what they subscribed, whoever received them.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TestOrganization } from '../helpers/harness.js';
import { createdKey, expectOk } from '../helpers/api-keys.js';
import { CREATE_BOOKING, attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { createdServiceAccount, deleteServiceAccount, updateMember, updateServiceAccount } from '../helpers/members.js';
import { createOperatorKey } from '../../src/modules/api-keys/key-issuance.js';
import { QueryCounter } from '../helpers/query-counter.js';

const CREATE_WEBHOOK = `mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id pausedAt pauseReason } } }`;
const WEBHOOK = `query ($id: ID!) { webhook(id: $id) { id pausedAt pauseReason stats { pending succeeded } } }`;
const RESUME = `mutation ($id: ID!) { resumeWebhook(id: $id) { id pausedAt pauseReason } }`;
const UPDATE_WEBHOOK = `mutation ($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id } }`;

describeIntegration('webhooks stop with the member who subscribed them', { env: { WEBHOOK_POLL_INTERVAL_MS: '0', WEBHOOK_TIMEOUT_MS: '300' } }, (harness) => {
  let receiver: LocalServer;
  let org: TestOrganization;
  let eventTypeId: string;
  /** Members and service accounts are changed with a live key (they act in both worlds). */
  let people: string;
  let slot = 0;

  beforeAll(async () => {
    receiver = await LocalServer.start();
    org = await harness.organization('TEST');
    people = (await harness.makeKey({ organization: org, scopes: ['*'], environment: 'LIVE' })).secret;
    const host = await seedHost(harness, tenantOf(org));
    eventTypeId = (await seedEventType(harness, tenantOf(org), { hostIds: [host.id] })).id;
  });
  afterAll(() => receiver.close());
  afterEach(() => {
    receiver.received.length = 0;
  });

  /** An admin member of their own, with a full-access key. */
  const anAdmin = () => harness.makeKey({ organization: org, scopes: ['*'] });

  async function subscribe(key: string, path: string): Promise<string> {
    const data = expectOk(
      await harness.request(CREATE_WEBHOOK, { key, variables: { input: { url: receiver.url(path), events: ['booking.created'] } } }),
    );
    expect(data.createWebhook.webhook).toMatchObject({ pausedAt: null, pauseReason: null });
    return data.createWebhook.webhook.id as string;
  }

  async function book(): Promise<void> {
    // Each booking on a day of its own, within the booking window.
    const startAt = new Date(harness.clock.getTime() + (3 + slot++) * 86_400_000);
    startAt.setUTCHours(10, 0, 0, 0);
    expectOk(
      await harness.request(CREATE_BOOKING, {
        key: org.adminKey,
        variables: { input: { eventTypeId, startAt: startAt.toISOString(), attendee: attendee(`Visitor${slot}`) } },
      }),
    );
  }

  const webhook = async (id: string) => expectOk(await harness.request(WEBHOOK, { key: org.adminKey, variables: { id } })).webhook;

  it("sends nothing more to a deactivated admin's endpoint; the backlog waits for another admin's resume", async () => {
    const leaver = await anAdmin();
    const id = await subscribe(leaver.secret, '/leaver');
    await book();
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/leaver')).toHaveLength(1);

    expectOk(await updateMember(harness, people, leaver.memberId, { active: false }));
    const paused = await webhook(id);
    expect(paused.pauseReason).toBe('SUBSCRIBER_DEACTIVATED');
    expect(paused.pausedAt).not.toBeNull();

    await book();
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/leaver'), 'nothing is sent while paused').toHaveLength(1);
    expect((await webhook(id)).stats.pending, 'the event still queues').toBe(1);

    // Another admin reviews it and answers for it from now on.
    const reviewer = await anAdmin();
    expect(expectOk(await harness.request(RESUME, { key: reviewer.secret, variables: { id } })).resumeWebhook).toEqual({ id, pausedAt: null, pauseReason: null });
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/leaver')).toHaveLength(2);
    const [row] = await harness.database.query<{ subscribed_by_member_id: string }>(`select subscribed_by_member_id from webhooks where id = '${id}'`);
    expect(row!.subscribed_by_member_id).toBe(reviewer.memberId);
  });

  it('pauses the endpoints of an admin moved to the MEMBER role, who could not subscribe them now', async () => {
    const demoted = await anAdmin();
    const id = await subscribe(demoted.secret, '/demoted');
    expectOk(await updateMember(harness, people, demoted.memberId, { role: 'MEMBER' }));
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_ROLE_CHANGED');

    await book();
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/demoted')).toHaveLength(0);
  });

  it('binds an endpoint to whoever changed it last: the creator leaving no longer stops it, the editor leaving does', async () => {
    const creator = await anAdmin();
    const editor = await anAdmin();
    const id = await subscribe(creator.secret, '/edited');
    expectOk(await harness.request(UPDATE_WEBHOOK, { key: editor.secret, variables: { id, input: { description: 'reviewed' } } }));

    expectOk(await updateMember(harness, people, creator.memberId, { active: false }));
    expect((await webhook(id)).pausedAt).toBeNull();
    expectOk(await updateMember(harness, people, editor.memberId, { active: false }));
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_DEACTIVATED');
  });

  it("pauses an endpoint subscribed with a service account's key when the member who received that key leaves: the URL may be theirs", async () => {
    const maker = await anAdmin();
    const account = await createdServiceAccount(harness, people, { name: `integration ${slot}`, role: 'ADMIN' });
    const accountKey = await createdKey(harness, maker.secret, { scopes: ['webhooks:manage', 'bookings:read'], ownerServiceAccountId: account });
    const id = await subscribe(accountKey.secret, '/integration');

    expectOk(await updateMember(harness, people, maker.memberId, { active: false }));
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_DEACTIVATED');
  });

  /** A service account's key issued at the CLI: no member received it. */
  async function operatorKey(account: string): Promise<string> {
    const { secret } = await createOperatorKey(
      harness.db,
      { organizationId: org.organizationId, serviceAccountId: account },
      { name: 'integration', type: 'SECRET', environment: 'TEST', scopes: ['webhooks:manage', 'bookings:read'], expiresIn: 'NEVER', allowedOrigins: [], usageLimit: null },
      harness.clock,
      'test',
    );
    return secret;
  }

  const subscribers = async (id: string) =>
    (
      await harness.database.query<{ subscribed_by_member_id: string | null; subscribed_by_service_account_id: string | null }>(
        `select subscribed_by_member_id, subscribed_by_service_account_id from webhooks where id = '${id}'`,
      )
    )[0]!;

  it("keeps a CLI-issued service account key's endpoint running while members come and go, and pauses it when the account is deleted", async () => {
    const account = await createdServiceAccount(harness, people, { name: `cli integration ${slot}`, role: 'ADMIN' });
    const id = await subscribe(await operatorKey(account), '/cli-integration');
    expect(await subscribers(id)).toEqual({ subscribed_by_member_id: null, subscribed_by_service_account_id: account });
    for (const admin of [await anAdmin(), await anAdmin()]) expectOk(await updateMember(harness, people, admin.memberId, { active: false }));
    await book();
    await harness.app.webhooks.deliverDueWebhooks();
    expect((await webhook(id)).pausedAt).toBeNull();
    expect(receiver.to('/cli-integration')).toHaveLength(1);

    // Its keys end with it; a webhook they subscribed must not go on copying bookings to a URL nobody answers for.
    expectOk(await deleteServiceAccount(harness, people, account));
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_DELETED');
    await book();
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/cli-integration'), 'nothing is sent once the account is gone').toHaveLength(1);
  });

  it("pauses an endpoint a member subscribed with a service account's key when the account is deleted, though the member stays", async () => {
    const maker = await anAdmin();
    const account = await createdServiceAccount(harness, people, { name: `deleted integration ${slot}`, role: 'ADMIN' });
    const accountKey = await createdKey(harness, maker.secret, { scopes: ['webhooks:manage', 'bookings:read'], ownerServiceAccountId: account });
    const id = await subscribe(accountKey.secret, '/deleted-account');
    expect(await subscribers(id)).toEqual({ subscribed_by_member_id: maker.memberId, subscribed_by_service_account_id: account });
    const ownEndpoint = await subscribe(maker.secret, '/maker-own');

    expectOk(await deleteServiceAccount(harness, people, account));
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_DELETED');
    expect((await webhook(ownEndpoint)).pausedAt, "the member's own endpoint answers to them alone").toBeNull();
  });

  it('pauses the endpoints of a service account moved to a role that does not manage webhooks, and only those', async () => {
    const account = await createdServiceAccount(harness, people, { name: `demoted integration ${slot}`, role: 'ADMIN' });
    const id = await subscribe(await operatorKey(account), '/demoted-account');
    expectOk(await updateServiceAccount(harness, people, account, { name: 'renamed' }));
    expect((await webhook(id)).pausedAt, 'a rename changes nothing').toBeNull();
    expectOk(await updateServiceAccount(harness, people, account, { role: 'MEMBER' }));
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_ROLE_CHANGED');
    await book();
    await harness.app.webhooks.deliverDueWebhooks();
    expect(receiver.to('/demoted-account')).toHaveLength(0);

    // Resumed by an admin, who answers for it from then on: the account no longer does.
    const reviewer = await anAdmin();
    expectOk(await harness.request(RESUME, { key: reviewer.secret, variables: { id } }));
    expect(await subscribers(id)).toEqual({ subscribed_by_member_id: reviewer.memberId, subscribed_by_service_account_id: null });
  });

  it('names who answers for it to keys that may see members and service accounts, and to no other', async () => {
    const maker = await anAdmin();
    const account = await createdServiceAccount(harness, people, { name: `named integration ${slot}`, role: 'ADMIN' });
    const accountKey = await createdKey(harness, maker.secret, { scopes: ['webhooks:manage', 'bookings:read'], ownerServiceAccountId: account });
    const id = await subscribe(accountKey.secret, '/named');
    const WHO = `query ($id: ID!) { webhook(id: $id) { url subscribedBy { id active } subscribedByServiceAccount { id name } } }`;

    const seen = expectOk(await harness.request(WHO, { key: org.adminKey, variables: { id } })).webhook;
    expect(seen.subscribedBy).toEqual({ id: maker.memberId, active: true });
    expect(seen.subscribedByServiceAccount).toEqual({ id: account, name: `named integration ${slot}` });

    // A key that reads webhooks but not people learns the URL, not who is behind it.
    const webhooksOnly = await harness.makeKey({ organization: org, scopes: ['webhooks:read'] });
    const narrow = await harness.request(WHO, { key: webhooksOnly.secret, variables: { id } });
    expect(narrow.body.data?.webhook).toEqual({ url: receiver.url('/named'), subscribedBy: null, subscribedByServiceAccount: null });
    // Refused on the nested types' own fields (their scopes), which nulls the two references.
    expect(narrow.body.errors?.map((error) => [error.extensions.code, error.path?.slice(1, 2)[0]]).sort()).toEqual([
      ['FORBIDDEN', 'subscribedBy'],
      ['FORBIDDEN', 'subscribedBy'],
      ['FORBIDDEN', 'subscribedByServiceAccount'],
      ['FORBIDDEN', 'subscribedByServiceAccount'],
    ]);
  });

  it('reads who answers for a whole list of webhooks in one members and one service-accounts statement', async () => {
    const counter = QueryCounter.attach(harness.db);
    let listed: Array<{ subscribedBy: { id: string } | null; subscribedByServiceAccount: { id: string } | null }> = [];
    const statements = await counter.during(async () => {
      listed = expectOk(
        await harness.request('{ webhooks { id subscribedBy { id } subscribedByServiceAccount { id } } }', { key: org.adminKey }),
      ).webhooks;
    });
    // The earlier cases left endpoints of several members and service accounts.
    expect(new Set(listed.map((webhook) => webhook.subscribedBy?.id).filter(Boolean)).size).toBeGreaterThan(2);
    expect(new Set(listed.map((webhook) => webhook.subscribedByServiceAccount?.id).filter(Boolean)).size).toBeGreaterThan(1);
    expect(statements.filter((sql) => /from "members"/.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => /from "service_accounts"/.test(sql))).toHaveLength(1);
  });

  it('resumes only for a key that could subscribe its events', async () => {
    const leaver = await anAdmin();
    const id = await subscribe(leaver.secret, '/narrow');
    expectOk(await updateMember(harness, people, leaver.memberId, { active: false }));

    const narrow = await harness.makeKey({ organization: org, scopes: ['webhooks:manage'] });
    const refused = await harness.request(RESUME, { key: narrow.secret, variables: { id } });
    expect(refused.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(refused.body.errors?.[0]?.message).toContain('"booking.created" (requires bookings:read)');
    expect((await webhook(id)).pauseReason).toBe('SUBSCRIBER_DEACTIVATED');
  });
});
