/** API keys: listed, created for a member or a service account, limited and revoked by an operator. */
import { InvalidArgumentError, Option } from 'commander';
import { keyStatus } from '../auth/key-state.js';
import { findKeyById, listOrganizationKeys, revokeApiKey } from '../modules/api-keys/api-keys.service.js';
import { createOperatorKey } from '../modules/api-keys/key-issuance.js';
import { setOperatorRateLimit } from '../modules/api-keys/key-rate-limit.js';
import { findOrganization } from '../modules/organizations/organizations.service.js';
import { fail, type CliCommand } from './context.js';
import { environmentOption, worldOf } from './options.js';

export const listKeys: CliCommand = (program, { printRows, withDatabase }) =>
  program
    .command('keys:list')
    .description("List an organization's keys (previews only; secrets are never stored)")
    .requiredOption('--org <id>', 'organization id')
    .option('--json', 'print JSON')
    .action(async (options: { org: string; json?: boolean }) => {
      const keys = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return listOrganizationKeys(database.db, options.org);
      });
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

export const revokeKey: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('keys:revoke')
    .description('Revoke a key; it is refused from the next request on')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => {
      await withDatabase(async (database) => {
        const key = await findKeyById(database.db, id);
        if (!key) fail(`no API key with id "${id}"`);
        const revoked = await revokeApiKey(database.db, { cli: 'cli' }, key, new Date());
        print(`Revoked ${revoked.id} (${revoked.preview}) at ${revoked.revokedAt?.toISOString()}`);
      });
    });

const EXPIRES = { '7': 'DAYS_7', '30': 'DAYS_30', '90': 'DAYS_90', never: 'NEVER' } as const;

const collect = (value: string, previous: string[]) => [...previous, value];

type CreateKeyOptions = {
  org: string;
  member?: string;
  serviceAccount?: string;
  scopes: string;
  name: string;
  type: 'secret' | 'public';
  environment: 'live' | 'test';
  expires: keyof typeof EXPIRES;
  allowedOrigin: string[];
  trustedDocumentsOnly?: boolean;
  json?: boolean;
};

export const createKey: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('keys:create')
    .description("Create a key owned by a member or a service account (the secret is printed once); it never does more than its owner's role allows")
    .requiredOption('--org <id>', 'organization id')
    .option('--member <id>', 'the owning member (mem_…), an active member of the organization')
    .option('--service-account <id>', 'or the owning service account (sa_…); the key outlives whoever runs this')
    .requiredOption('--scopes <scopes>', 'comma-separated scopes or groups, e.g. bookings:read,availability:read')
    .option('--name <name>', 'a name to recognise the key by', 'Operator key')
    .addOption(new Option('--type <type>', 'secret or public').choices(['secret', 'public']).default('secret'))
    .addOption(environmentOption())
    .addOption(new Option('--expires <days>', '7, 30, 90 or never').choices(Object.keys(EXPIRES)).default('90'))
    .option('--allowed-origin <url>', 'public keys: an origin allowed to use it (repeat for more)', collect, [])
    .option('--trusted-documents-only', "public keys: run only the organization's trusted documents (documents:register)")
    .option('--json', 'print exactly one JSON object')
    .action(async (options: CreateKeyOptions) => {
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
            environment: worldOf(options.environment),
            scopes: options.scopes.split(',').map((scope) => scope.trim()).filter(Boolean),
            expiresIn: EXPIRES[options.expires],
            allowedOrigins: options.allowedOrigin,
            trustedDocumentsOnly: options.trustedDocumentsOnly ?? false,
          },
          new Date(),
          'cli',
        );
      });
      if (options.json) {
        print(JSON.stringify({ apiKey: { id: apiKey.id, secret } }));
        return;
      }
      const ownerName = apiKey.ownerMemberId ? `member ${apiKey.ownerMemberId}` : `service account ${apiKey.ownerServiceAccountId}`;
      print(`API key ${apiKey.id} for ${ownerName}, scopes ${apiKey.scopes.join(' ')}, expires ${apiKey.expiresAt?.toISOString() ?? 'never'}.`);
      print('Store this secret now; it is not shown again:');
      print(`  ${secret}`);
    });

const wholeNumber = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};

export const limitKey: CliCommand = (program, { print, withDatabase }) =>
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
      });
      print(
        limit
          ? `Key ${key.id} (${key.preview}): ${limit.requests} requests per ${limit.windowSeconds} s, from the next request on.`
          : `Key ${key.id} (${key.preview}) follows its environment's default limit again.`,
      );
    });
