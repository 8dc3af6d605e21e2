/** Organizations and the people and service accounts in them. */
import { InvalidArgumentError } from 'commander';
import { addMember, findMember, updateMember } from '../modules/members/members.service.js';
import { createServiceAccount } from '../modules/members/service-accounts.service.js';
import { bootstrapOrganization } from '../modules/organizations/bootstrap.js';
import { listMembers, listOrganizationSummaries } from '../modules/organizations/operator-listings.js';
import { findOrganization } from '../modules/organizations/organizations.service.js';
import { fail, type CliCommand } from './context.js';
import { environmentOption, worldOf } from './options.js';

export const bootstrap: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('bootstrap')
    .description('Create an organization, its admin and a full-access secret key (printed once)')
    .requiredOption('--org <name>', 'organization name')
    .requiredOption('--admin-email <email>', "the admin's email")
    .addOption(environmentOption())
    .option('--json', 'print exactly one JSON object')
    .action(async (options: { org: string; adminEmail: string; environment: 'live' | 'test'; json?: boolean }) => {
      const result = await withDatabase((database) =>
        bootstrapOrganization(
          database.db,
          { organizationName: options.org, adminEmail: options.adminEmail, environment: worldOf(options.environment) },
          new Date(),
          'cli',
        ),
      );
      if (options.json) {
        print(
          JSON.stringify({
            organizationId: result.organization.id,
            memberId: result.member.id,
            apiKey: { id: result.apiKey.id, secret: result.secret },
          }),
        );
        return;
      }
      print(`Organization ${result.organization.id} (${result.organization.name})`);
      print(`Admin member ${result.member.id} <${result.member.email}>`);
      print(`API key ${result.apiKey.id}, full access. Store this secret now; it is not shown again:`);
      print(`  ${result.secret}`);
    });

export const listOrganizations: CliCommand = (program, { printRows, withDatabase }) =>
  program
    .command('orgs:list')
    .description('List every organization with its active members and keys (to find the ids keys:create needs)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const organizations = await withDatabase((database) => listOrganizationSummaries(database.db, new Date()));
      printRows(
        organizations.map((organization) => ({ ...organization, createdAt: organization.createdAt.toISOString() })),
        options.json,
      );
    });

export const listOrganizationMembers: CliCommand = (program, { printRows, withDatabase }) =>
  program
    .command('members:list')
    .description("List an organization's members, deactivated ones included")
    .requiredOption('--org <id>', 'organization id')
    .option('--json', 'print JSON')
    .action(async (options: { org: string; json?: boolean }) => {
      const members = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return listMembers(database.db, options.org);
      });
      printRows(
        members.map(({ id, email, name, role, active, createdAt }) => ({ id, email, name: name ?? '', role, active, createdAt: createdAt.toISOString() })),
        options.json,
      );
    });

const role = (value: string) => {
  const upper = value.toUpperCase();
  if (upper !== 'ADMIN' && upper !== 'MEMBER') throw new InvalidArgumentError('use admin or member');
  return upper as 'ADMIN' | 'MEMBER';
};

export const addOrganizationMember: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('members:add')
    .description('Add a member to an organization')
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--email <email>', 'email')
    .option('--name <name>', 'name')
    .requiredOption('--role <role>', 'admin or member', role)
    .option('--json', 'print exactly one JSON object')
    .action(async (options: { org: string; email: string; name?: string; role: 'ADMIN' | 'MEMBER'; json?: boolean }) => {
      const member = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return addMember(database.db, options.org, { email: options.email, name: options.name, role: options.role }, new Date());
      });
      print(options.json ? JSON.stringify({ memberId: member.id }) : `Member ${member.id} <${member.email}> (${member.role})`);
    });

export const createOrganizationServiceAccount: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('service-accounts:create')
    .description('Create a service account: it owns keys that outlive the members who set them up (keys:create --service-account)')
    .requiredOption('--org <id>', 'organization id')
    .requiredOption('--name <name>', 'a name to recognise it by, e.g. "CI deploys"')
    .requiredOption('--role <role>', 'admin or member: caps every key it owns', role)
    .option('--json', 'print exactly one JSON object')
    .action(async (options: { org: string; name: string; role: 'ADMIN' | 'MEMBER'; json?: boolean }) => {
      const account = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return createServiceAccount(database.db, options.org, { name: options.name, role: options.role }, new Date());
      });
      print(options.json ? JSON.stringify({ serviceAccountId: account.id }) : `Service account ${account.id} "${account.name}" (${account.role})`);
    });

export const updateOrganizationMember: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('members:update')
    .description("Change a member's role or deactivate them; their keys follow on the next request")
    .argument('<id>', 'member id (mem_…)')
    .option('--role <role>', 'admin or member', role)
    .option('--deactivate', 'deactivate the member')
    .option('--activate', 'reactivate the member')
    .action(async (id: string, options: { role?: 'ADMIN' | 'MEMBER'; deactivate?: boolean; activate?: boolean }) => {
      if (options.deactivate && options.activate) fail('choose --activate or --deactivate, not both');
      const change = {
        ...(options.role ? { role: options.role } : {}),
        ...(options.deactivate ? { active: false } : options.activate ? { active: true } : {}),
      };
      if (Object.keys(change).length === 0) fail('nothing to change: pass --role, --activate or --deactivate');
      const member = await withDatabase(async (database) => {
        if (!(await findMember(database.db, id))) fail(`no member with id "${id}"`);
        return updateMember(database.db, id, change);
      });
      print(`Member ${member.id}: role ${member.role}, ${member.active ? 'active' : 'deactivated'}`);
    });
