/**
 * Break-glass for service accounts: an operator creates one and gives it a
 * key at the CLI. The key is the account's, capped by its role, and no
 * member received it. An operator cannot remove the last active admin either.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/migrate.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { cliInProcess, expectOneLineError, withApp } from '../helpers/cli.js';
import { describeProcessesOnOneTier } from '../helpers/integration.js';
import { createDatabaseUrl } from '../helpers/test-database.js';

const SLOW = 180_000;

describeProcessesOnOneTier('CLI: service accounts', () => {
  let url: string;
  let drop: () => Promise<void>;
  let org: { organizationId: string; memberId: string; adminKey: string; otherOrganizationId: string };

  beforeAll(async () => {
    ({ url, drop } = await createDatabaseUrl());
    org = await withApp(url, async (_ask, database) => {
      await migrateDatabase(database);
      const made = await bootstrapOrganization(database.db, { organizationName: 'Acme', adminEmail: 'ops@acme.test', environment: 'LIVE' }, new Date(), 'test');
      const other = await bootstrapOrganization(database.db, { organizationName: 'Other', adminEmail: 'ops@other.test', environment: 'LIVE' }, new Date(), 'test');
      return { organizationId: made.organization.id, memberId: made.member.id, adminKey: made.secret, otherOrganizationId: other.organization.id };
    });
  }, SLOW);
  afterAll(() => drop());

  it('service-accounts:create, then keys:create --service-account: a key the account owns, capped by its role, received by no member', async () => {
    const created = await cliInProcess(['service-accounts:create', '--org', org.organizationId, '--name', 'CI', '--role', 'member', '--json'], { DATABASE_URL: url });
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({ serviceAccountId: expect.stringMatching(/^sa_/) });
    const { serviceAccountId } = JSON.parse(created.stdout) as { serviceAccountId: string };

    const key = await cliInProcess(
      ['keys:create', '--org', org.organizationId, '--service-account', serviceAccountId, '--scopes', 'bookings:read,keys:read', '--json'],
      { DATABASE_URL: url },
    );
    expect(key.code, key.stderr).toBe(0);
    const { apiKey } = JSON.parse(key.stdout) as { apiKey: { id: string; secret: string } };

    await withApp(url, async (ask) => {
      // keys:read was granted, but the account's MEMBER role withholds it.
      expect((await ask('{ viewer { scopes } }', apiKey.secret)).body.data.viewer.scopes).toEqual(['bookings:read']);
      const listed = await ask('{ apiKeys { id owner { __typename ... on ServiceAccount { id name role } } recipient { id } } }', org.adminKey);
      expect(listed.body.data.apiKeys.find((found: { id: string }) => found.id === apiKey.id)).toEqual({
        id: apiKey.id,
        owner: { __typename: 'ServiceAccount', id: serviceAccountId, name: 'CI', role: 'MEMBER' },
        recipient: null,
      });
    });
  }, SLOW);

  it('keys:create refuses, in one line, both owners or none, and another organization’s service account', async () => {
    const other = await cliInProcess(['service-accounts:create', '--org', org.otherOrganizationId, '--name', 'Theirs', '--role', 'admin', '--json'], { DATABASE_URL: url });
    const theirs = (JSON.parse(other.stdout) as { serviceAccountId: string }).serviceAccountId;
    const create = (...owner: string[]) =>
      cliInProcess(['keys:create', '--org', org.organizationId, ...owner, '--scopes', 'bookings:read', '--json'], { DATABASE_URL: url });
    expectOneLineError(await create(), '--member', '--service-account');
    expectOneLineError(await create('--member', org.memberId, '--service-account', theirs), '--member', '--service-account');
    expectOneLineError(await create('--service-account', theirs), theirs);
  }, SLOW);

  it("members:update refuses to deactivate or demote the organization's last active admin", async () => {
    expectOneLineError(await cliInProcess(['members:update', org.memberId, '--deactivate'], { DATABASE_URL: url }), 'last active admin');
    expectOneLineError(await cliInProcess(['members:update', org.memberId, '--role', 'member'], { DATABASE_URL: url }), 'last active admin');
    await withApp(url, async (ask) => {
      expect((await ask('{ viewer { scopes } }', org.adminKey)).body.data.viewer.scopes).toContain('members:manage');
    });
  }, SLOW);
});
