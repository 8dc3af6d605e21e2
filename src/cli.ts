/**
 * Break-glass and scripting: `npm run cli -- <command>`. Uses the same
 * DATABASE_URL rules as the server. An embedded database belongs to one
 * process: while the server runs on a folder, the CLI is refused there.
 * Logs go to stderr, so stdout carries only the answer.
 */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { requirementText } from './auth/access/requirement-algebra.js';
import type { DatabaseHandle } from './db/client.js';
import { keyStatus } from './auth/key-state.js';
import { findKeyById, listOrganizationKeys, revokeApiKey } from './modules/api-keys/api-keys.service.js';
import { createOperatorKey } from './modules/api-keys/key-issuance.js';
import { setOperatorRateLimit } from './modules/api-keys/key-rate-limit.js';
import { bootstrapOrganization } from './modules/organizations/bootstrap.js';
import { listMembers, listOrganizationSummaries } from './modules/organizations/operator-listings.js';
import { addMember, findMember, updateMember } from './modules/members/members.service.js';
import { createServiceAccount } from './modules/members/service-accounts.service.js';
import { findOrganization } from './modules/organizations/organizations.service.js';
import { readManifest, registerManifest } from './modules/trusted-documents/manifest.js';
import { openRuntime } from './runtime.js';

async function withDatabase<T>(work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const { database } = await openRuntime(process.env, { logTo: 'stderr' });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

function fail(message: string): never {
  // One line: a multi-line message (a database error carries its query) is cut to its first.
  console.error(`error: ${message.split('\n')[0]}`);
  process.exit(1);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const environmentOption = new Option('--environment <environment>', 'live or test')
  .choices(['live', 'test'])
  .default('test');

const program = new Command('tessera').description('Tessera operator commands').showHelpAfterError();

program
  .command('bootstrap')
  .description('Create an organization, its admin and a full-access secret key (printed once)')
  .requiredOption('--org <name>', 'organization name')
  .requiredOption('--admin-email <email>', "the admin's email")
  .addOption(environmentOption)
  .option('--json', 'print exactly one JSON object')
  .action(async (options: { org: string; adminEmail: string; environment: 'live' | 'test'; json?: boolean }) => {
    const result = await withDatabase((database) =>
      bootstrapOrganization(
        database.db,
        { organizationName: options.org, adminEmail: options.adminEmail, environment: options.environment === 'live' ? 'LIVE' : 'TEST' },
        new Date(),
        'cli',
      ),
    ).catch((error: unknown) => fail(messageOf(error)));
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          organizationId: result.organization.id,
          memberId: result.member.id,
          apiKey: { id: result.apiKey.id, secret: result.secret },
        })}\n`,
      );
      return;
    }
    console.log(`Organization ${result.organization.id} (${result.organization.name})`);
    console.log(`Admin member ${result.member.id} <${result.member.email}>`);
    console.log(`API key ${result.apiKey.id}, full access. Store this secret now; it is not shown again:`);
    console.log(`  ${result.secret}`);
  });

program
  .command('scopes:for')
  .description('Print the scopes each operation of a GraphQL file needs, and the fields that need them (offline: no database, no key)')
  .argument('<file>', 'a .graphql file: operations and their fragments')
  .option('--operation <name>', 'only this operation')
  .action(async (file: string, options: { operation?: string }) => {
    const text = await readFile(file, 'utf8').catch((error: unknown) => fail(`cannot read ${file}: ${messageOf(error)}`));
    // Loaded here: no other command needs the schema.
    const [{ buildSchema }, { reportEachOperation }] = await Promise.all([import('./schema.js'), import('./graphql/scope-report.js')]);
    let operations: ReturnType<typeof reportEachOperation> = [];
    try {
      operations = reportEachOperation(buildSchema(), text, options.operation);
    } catch (error) {
      fail(messageOf(error));
    }
    const blocks = operations.map(({ operation, report }) => {
      const width = Math.max(0, ...report.fields.map((field) => field.path.length));
      const fields = report.fields.map((field) => `  ${field.path.padEnd(width)}  ${requirementText(field.requirement)}`);
      return [`${operation}: ${requirementText(report.alternatives)}`, ...fields].join('\n');
    });
    console.log(blocks.join('\n\n'));
  });

/** A table for people, or one JSON array for scripts. */
function printRows(rows: Array<Record<string, unknown>>, json: boolean | undefined): void {
  if (json) console.log(JSON.stringify(rows));
  else console.table(rows);
}

program
  .command('orgs:list')
  .description('List every organization with its active members and keys (to find the ids keys:create needs)')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const organizations = await withDatabase((database) => listOrganizationSummaries(database.db, new Date())).catch((error: unknown) =>
      fail(messageOf(error)),
    );
    printRows(
      organizations.map((organization) => ({ ...organization, createdAt: organization.createdAt.toISOString() })),
      options.json,
    );
  });

program
  .command('members:list')
  .description("List an organization's members, deactivated ones included")
  .requiredOption('--org <id>', 'organization id')
  .option('--json', 'print JSON')
  .action(async (options: { org: string; json?: boolean }) => {
    const members = await withDatabase(async (database) => {
      await findOrganization(database.db, options.org);
      return listMembers(database.db, options.org);
    }).catch((error: unknown) => fail(messageOf(error)));
    printRows(
      members.map(({ id, email, name, role, active, createdAt }) => ({ id, email, name: name ?? '', role, active, createdAt: createdAt.toISOString() })),
      options.json,
    );
  });

program
  .command('keys:list')
  .description("List an organization's keys (previews only; secrets are never stored)")
  .requiredOption('--org <id>', 'organization id')
  .option('--json', 'print JSON')
  .action(async (options: { org: string; json?: boolean }) => {
    const keys = await withDatabase(async (database) => {
      await findOrganization(database.db, options.org);
      return listOrganizationKeys(database.db, options.org);
    }).catch((error: unknown) => fail(messageOf(error)));
    const now = new Date();
    const rows = keys.map((key) => ({
      id: key.id,
      name: key.name,
      preview: key.preview,
      type: key.type,
      environment: key.environment,
      status: keyStatus(key, now),
      scopes: key.scopes.join(' '),
      expiresAt: key.expiresAt?.toISOString() ?? 'never',
      lastUsedAt: key.lastUsedAt?.toISOString() ?? 'never',
    }));
    printRows(rows, options.json);
  });

program
  .command('keys:revoke')
  .description('Revoke a key; it is refused from the next request on')
  .argument('<id>', 'key id (key_…)')
  .action(async (id: string) => {
    await withDatabase(async (database) => {
      const key = await findKeyById(database.db, id);
      if (!key) fail(`no API key with id "${id}"`);
      const revoked = await revokeApiKey(database.db, { cli: 'cli' }, key, new Date());
      console.log(`Revoked ${revoked.id} (${revoked.preview}) at ${revoked.revokedAt?.toISOString()}`);
    }).catch((error: unknown) => fail(messageOf(error)));
  });

const EXPIRES = { '7': 'DAYS_7', '30': 'DAYS_30', '90': 'DAYS_90', never: 'NEVER' } as const;

const wholeNumber = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('keys:create')
  .description("Create a key owned by a member or a service account (the secret is printed once); it never does more than its owner's role allows")
  .requiredOption('--org <id>', 'organization id')
  .option('--member <id>', 'the owning member (mem_…), an active member of the organization')
  .option('--service-account <id>', 'or the owning service account (sa_…); the key outlives whoever runs this')
  .requiredOption('--scopes <scopes>', 'comma-separated scopes or groups, e.g. bookings:read,availability:read')
  .option('--name <name>', 'a name to recognise the key by', 'Operator key')
  .addOption(new Option('--type <type>', 'secret or public').choices(['secret', 'public']).default('secret'))
  .addOption(environmentOption)
  .addOption(new Option('--expires <days>', '7, 30, 90 or never').choices(Object.keys(EXPIRES)).default('90'))
  .option('--allowed-origin <url>', 'public keys: an origin allowed to use it (repeat for more)', collect, [])
  .option('--json', 'print exactly one JSON object')
  .action(
    async (options: {
      org: string;
      member?: string;
      serviceAccount?: string;
      scopes: string;
      name: string;
      type: 'secret' | 'public';
      environment: 'live' | 'test';
      expires: keyof typeof EXPIRES;
      allowedOrigin: string[];
      json?: boolean;
    }) => {
      if (Boolean(options.member) === Boolean(options.serviceAccount)) fail('give the owner: --member ID or --service-account ID');
      const owner = options.member ? { memberId: options.member } : { serviceAccountId: options.serviceAccount! };
      const { apiKey, secret } = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return createOperatorKey(
          database.db,
          { organizationId: options.org, ...owner },
          {
            name: options.name,
            type: options.type === 'public' ? 'PUBLIC' : 'SECRET',
            environment: options.environment === 'live' ? 'LIVE' : 'TEST',
            scopes: options.scopes.split(',').map((scope) => scope.trim()).filter(Boolean),
            expiresIn: EXPIRES[options.expires],
            allowedOrigins: options.allowedOrigin,
          },
          new Date(),
          'cli',
        );
      }).catch((error: unknown) => fail(messageOf(error)));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ apiKey: { id: apiKey.id, secret } })}\n`);
        return;
      }
      const ownerName = apiKey.ownerMemberId ? `member ${apiKey.ownerMemberId}` : `service account ${apiKey.ownerServiceAccountId}`;
      console.log(`API key ${apiKey.id} for ${ownerName}, scopes ${apiKey.scopes.join(' ')}, expires ${apiKey.expiresAt?.toISOString() ?? 'never'}.`);
      console.log('Store this secret now; it is not shown again:');
      console.log(`  ${secret}`);
    },
  );

program
  .command('keys:rate-limit')
  .description("Give a key its own request limit, above the environment's default too (the API can only lower one), or put it back on the default")
  .argument('<id>', 'key id (key_…)')
  .option('--requests <n>', 'requests per window', wholeNumber)
  .option('--window <seconds>', 'window length in seconds', wholeNumber)
  .option('--default', "follow the environment's default again")
  .action(async (id: string, options: { requests?: number; window?: number; default?: boolean }) => {
    const custom = options.requests !== undefined || options.window !== undefined;
    if (custom === Boolean(options.default)) fail('give --requests N --window SECONDS, or --default');
    if (custom && (options.requests === undefined || options.window === undefined)) fail('--requests and --window go together');
    const limit = options.default ? null : { requests: options.requests!, windowSeconds: options.window! };
    const key = await withDatabase(async (database) => {
      const found = await findKeyById(database.db, id);
      if (!found) fail(`no API key with id "${id}"`);
      return setOperatorRateLimit(database.db, 'cli', found, limit, new Date());
    }).catch((error: unknown) => fail(messageOf(error)));
    console.log(
      limit
        ? `Key ${key.id} (${key.preview}): ${limit.requests} requests per ${limit.windowSeconds} s, from the next request on.`
        : `Key ${key.id} (${key.preview}) follows its environment's default limit again.`,
    );
  });

const role = (value: string) => {
  const upper = value.toUpperCase();
  if (upper !== 'ADMIN' && upper !== 'MEMBER') throw new InvalidArgumentError('use admin or member');
  return upper as 'ADMIN' | 'MEMBER';
};

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
    }).catch((error: unknown) => fail(messageOf(error)));
    if (options.json) process.stdout.write(`${JSON.stringify({ memberId: member.id })}\n`);
    else console.log(`Member ${member.id} <${member.email}> (${member.role})`);
  });

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
    }).catch((error: unknown) => fail(messageOf(error)));
    if (options.json) process.stdout.write(`${JSON.stringify({ serviceAccountId: account.id })}\n`);
    else console.log(`Service account ${account.id} "${account.name}" (${account.role})`);
  });

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
    }).catch((error: unknown) => fail(messageOf(error)));
    console.log(`Member ${member.id}: role ${member.role}, ${member.active ? 'active' : 'deactivated'}`);
  });

program
  .command('documents:register')
  .description("Register a build's GraphQL documents as the organization's trusted documents in one world (what trustedDocumentsOnly public keys may run)")
  .argument('<file>', "a manifest: a JSON object of sha256 hash → document text (GraphQL Code Generator's persisted-documents.json)")
  .requiredOption('--org <id>', 'organization id')
  .addOption(environmentOption)
  .option('--json', 'print exactly one JSON object')
  .action(async (file: string, options: { org: string; environment: 'live' | 'test'; json?: boolean }) => {
    const environment = options.environment === 'live' ? 'LIVE' : 'TEST';
    const outcome = await (async () => {
      // Every hash and every document is checked before anything is registered.
      const entries = readManifest(await readFile(file, 'utf8'));
      const texts = entries.map((entry) => entry.text);
      // Loaded here only: the schema (every module's GraphQL side) would slow every other command's start.
      const [{ buildSchema }, { assertRunnableDocuments }] = await Promise.all([import('./schema.js'), import('./graphql/document-check.js')]);
      assertRunnableDocuments(buildSchema(), texts, (index) => `manifest entry "${entries[index]!.key}"`);
      return withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return registerManifest(database.db, { organizationId: options.org, environment }, texts, new Date(), 'cli');
      });
    })().catch((error: unknown) => fail(messageOf(error)));
    if (options.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    else console.log(`${outcome.total} documents trusted in the ${options.environment} world of ${options.org} (${outcome.added} new).`);
  });

await program.parseAsync();
