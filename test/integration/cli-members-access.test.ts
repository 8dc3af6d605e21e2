/**
 * Keys for members other than the bootstrap admin, made and limited by an
 * operator from the CLI. Apart from test/integration/cli.test.ts so the two
 * run side by side.
 * (Named without "key": the PgBouncer tier runs every `*key*` file again, and
 * nothing here depends on how PostgreSQL is reached.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { findKeyById, listOrganizationKeys } from '../../src/modules/api-keys/api-keys.service.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { addMember, updateMember } from '../../src/modules/members/members.service.js';
import { cliInProcess, expectOneLineError, withApp } from '../helpers/cli.js';
import { describeProcessesOnOneTier } from '../helpers/integration.js';
import { createDatabaseUrl } from '../helpers/test-database.js';

const SLOW = 180_000;

describeProcessesOnOneTier('CLI: keys for members', () => {
  let url: string;
  let drop: () => Promise<void>;
  let bootstrapped: { organizationId: string; memberId: string; apiKey: { id: string; secret: string } };

  beforeAll(async () => {
    ({ url, drop } = await createDatabaseUrl());
    // The organization as bootstrap makes it (cli.test.ts runs bootstrap itself).
    const database = await openDatabase(url);
    try {
      const made = await bootstrapOrganization(database.db, { organizationName: 'Acme', adminEmail: 'ops@acme.test', environment: 'TEST' }, new Date(), 'cli');
      bootstrapped = { organizationId: made.organization.id, memberId: made.member.id, apiKey: { id: made.apiKey.id, secret: made.secret } };
    } finally {
      await database.close();
    }
  });
  afterAll(() => drop());

  describe('a member other than the bootstrap admin gets a key of their own', () => {
    let memberId: string;
    let memberKey: { id: string; secret: string };

    it('members:add --json prints exactly {"memberId"}; keys:create --json exactly {"apiKey":{"id","secret"}}, a key within the member\'s role', async () => {
      const added = await cliInProcess(['members:add', '--org', bootstrapped.organizationId, '--email', 'dev@acme.test', '--role', 'member', '--json'], { DATABASE_URL: url });
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout.trim().split('\n')).toHaveLength(1);
      ({ memberId } = JSON.parse(added.stdout));
      expect(JSON.parse(added.stdout)).toEqual({ memberId: expect.stringMatching(/^mem_/) });

      const created = await cliInProcess(
        ['keys:create', '--org', bootstrapped.organizationId, '--member', memberId, '--scopes', 'bookings:read, keys:read', '--json'],
        { DATABASE_URL: url },
      );
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout.trim().split('\n')).toHaveLength(1);
      memberKey = JSON.parse(created.stdout).apiKey;
      expect(JSON.parse(created.stdout)).toEqual({ apiKey: { id: expect.stringMatching(/^key_/), secret: expect.stringMatching(/^sk_test_/) } });

      // The bootstrap key was revoked above: the admin gets a key to read the listing with.
      const reader = await cliInProcess(
        ['keys:create', '--org', bootstrapped.organizationId, '--member', bootstrapped.memberId, '--scopes', 'keys:read', '--json'],
        { DATABASE_URL: url },
      );
      const readerKey = JSON.parse(reader.stdout).apiKey.secret as string;
      await withApp(url, async (ask) => {
        const response = await ask('{ viewer { apiKey { id expiresAt } scopes } }', memberKey.secret);
        expect(response.status).toBe(200);
        const { apiKey, scopes } = response.body.data.viewer;
        // Who owns it is for key managers to read (a MEMBER's key cannot read people).
        const listed = await ask('{ apiKeys { id createdBy { id role } } }', readerKey);
        expect(listed.body.data.apiKeys.find((key: { id: string }) => key.id === memberKey.id).createdBy).toEqual({ id: memberId, role: 'MEMBER' });
        // keys:read was granted, but a MEMBER's keys never hold it.
        expect(scopes).toEqual(['bookings:read']);
        // Without --expires a CLI key lives 90 days.
        expect(Math.round((Date.parse(apiKey.expiresAt) - Date.now()) / 86_400_000)).toBe(90);
      });
    }, SLOW);

    it('keys:create makes a live public key with its allowed origins and the lifetime asked for, and prints the secret once', async () => {
      const result = await cliInProcess(
        [
          'keys:create', '--org', bootstrapped.organizationId, '--member', memberId, '--scopes', 'availability:read,bookings:create',
          '--type', 'public', '--environment', 'live', '--expires', '7', '--name', 'Widget',
          '--allowed-origin', 'https://shop.example.com', '--allowed-origin', 'https://www.example.com', '--trusted-documents-only',
        ],
        { DATABASE_URL: url },
      );
      expect(result.code, result.stderr).toBe(0);
      const secrets = result.stdout.match(/(sk|pk)_(live|test)_[0-9A-Za-z]{38}/g) ?? [];
      expect(secrets).toEqual([expect.stringMatching(/^pk_live_/)]);
      const id = /API key (key_\w+)/.exec(result.stdout)![1]!;
      await withApp(url, async (_ask, database) => {
        const key = (await findKeyById(database.db, id))!;
        expect(key).toMatchObject({ name: 'Widget', type: 'PUBLIC', environment: 'LIVE', ownerMemberId: memberId, lifetimeDays: 7, trustedDocumentsOnly: true });
        expect(key.allowedOrigins).toEqual(['https://shop.example.com', 'https://www.example.com']);
      });
    }, SLOW);

    it('keys:create refuses, in one line and with exit code 1, an unknown member, another organization\'s member, a deactivated member and bad scopes', async () => {
      const staged = await withApp(url, async (_ask, database) => {
        const other = await bootstrapOrganization(database.db, { organizationName: 'Other', adminEmail: 'ops@other.test', environment: 'TEST' }, new Date(), 'test');
        const leaver = await addMember(database.db, bootstrapped.organizationId, { email: 'leaver@acme.test', role: 'ADMIN' }, new Date());
        await updateMember(database.db, leaver.id, { active: false });
        return { otherMember: other.member.id, leaver: leaver.id, keys: (await listOrganizationKeys(database.db, bootstrapped.organizationId)).length };
      });
      const create = (member: string, scopes: string, ...more: string[]) =>
        cliInProcess(['keys:create', '--org', bootstrapped.organizationId, '--member', member, '--scopes', scopes, '--json', ...more], { DATABASE_URL: url });

      expectOneLineError(await create('mem_doesnotexist', 'bookings:read'), 'mem_doesnotexist');
      expectOneLineError(await create(staged.otherMember, 'bookings:read'), staged.otherMember, bootstrapped.organizationId);
      expectOneLineError(await create(staged.leaver, 'bookings:read'), staged.leaver, 'deactivated');
      expectOneLineError(await create(memberId, 'bookings:read,bookings:fly'), 'scopes', 'bookings:fly');
      // A secret key runs on a server, where documents are not shipped to strangers: the restriction is for public keys.
      expectOneLineError(await create(memberId, 'bookings:read', '--trusted-documents-only'), 'trustedDocumentsOnly');
      expectOneLineError(await create(memberId, 'keys:manage', '--type', 'public'), 'scopes', 'public key');

      await withApp(url, async (_ask, database) => {
        expect(await listOrganizationKeys(database.db, bootstrapped.organizationId)).toHaveLength(staged.keys);
      });
    }, SLOW);

    it("keys:rate-limit raises a key's limit above the environment default (an operator action), and --default puts it back", async () => {
      const limitOf = async () =>
        withApp(url, async (ask) => (await ask('{ viewer { apiKey { rateLimit { requests windowSeconds isDefault } } } }', memberKey.secret)).body.data.viewer.apiKey.rateLimit);

      const raised = await cliInProcess(['keys:rate-limit', memberKey.id, '--requests', '50000', '--window', '60'], { DATABASE_URL: url });
      expect(raised.code, raised.stderr).toBe(0);
      expect(raised.stdout).toContain('50000 requests per 60 s');
      expect(await limitOf()).toEqual({ requests: 50000, windowSeconds: 60, isDefault: false });

      const reset = await cliInProcess(['keys:rate-limit', memberKey.id, '--default'], { DATABASE_URL: url });
      expect(reset.code, reset.stderr).toBe(0);
      expect((await limitOf()).isDefault).toBe(true);
    }, SLOW);

    it('keys:rate-limit refuses, in one line and with exit code 1, a missing or half limit, both forms at once, an unknown key and an out-of-range limit', async () => {
      const limit = (...args: string[]) => cliInProcess(['keys:rate-limit', ...args], { DATABASE_URL: url });
      expectOneLineError(await limit(memberKey.id), '--requests', '--default');
      expectOneLineError(await limit(memberKey.id, '--requests', '10'), '--window');
      expectOneLineError(await limit(memberKey.id, '--requests', '10', '--window', '60', '--default'), '--default');
      expectOneLineError(await limit('key_doesnotexist', '--default'), 'key_doesnotexist');
      expectOneLineError(await limit(memberKey.id, '--requests', '0', '--window', '60'), 'requests', '1 to 1000000');
    }, SLOW);
  });

});
