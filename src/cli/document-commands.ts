/** GraphQL documents: the scopes they need, and registering a build's as trusted (and taking them back). */
import { readFile } from 'node:fs/promises';
import { requirementText } from '../auth/access/requirement-algebra.js';
import { readManifest, registerManifest } from '../modules/trusted-documents/manifest.js';
import { removeTrustedDocuments } from '../modules/trusted-documents/trusted-documents.service.js';
import { findOrganization } from '../modules/organizations/organizations.service.js';
import { fail, messageOf, type CliCommand } from './context.js';
import { environmentOption, worldOf } from './options.js';

export const scopesFor: CliCommand = (program, { print }) =>
  program
    .command('scopes:for')
    .description('Print the scopes each operation of a GraphQL file needs, and the fields that need them (offline: no database, no key)')
    .argument('<file>', 'a .graphql file: operations and their fragments')
    .option('--operation <name>', 'only this operation')
    .action(async (file: string, options: { operation?: string }) => {
      const text = await readFile(file, 'utf8').catch((error: unknown) => fail(`cannot read ${file}: ${messageOf(error)}`));
      // Loaded here: no other command needs the schema.
      const [{ buildSchema }, { reportEachOperation }] = await Promise.all([import('../schema.js'), import('../graphql/scope-report.js')]);
      const blocks = reportEachOperation(buildSchema(), text, options.operation).map(({ operation, report }) => {
        const width = Math.max(0, ...report.fields.map((field) => field.path.length));
        const fields = report.fields.map((field) => `  ${field.path.padEnd(width)}  ${requirementText(field.requirement)}`);
        return [`${operation}: ${requirementText(report.alternatives)}`, ...fields].join('\n');
      });
      print(blocks.join('\n\n'));
    });

export const registerDocuments: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('documents:register')
    .description("Register a build's GraphQL documents as the organization's trusted documents in one world (what trustedDocumentsOnly public keys may run)")
    .argument('<file>', "a manifest: a JSON object of sha256 hash → document text (GraphQL Code Generator's persisted-documents.json)")
    .requiredOption('--org <id>', 'organization id')
    .addOption(environmentOption())
    .option('--json', 'print exactly one JSON object')
    .action(async (file: string, options: { org: string; environment: 'live' | 'test'; json?: boolean }) => {
      // Every hash and every document is checked before anything is registered.
      const entries = readManifest(await readFile(file, 'utf8'));
      const texts = entries.map((entry) => entry.text);
      // Loaded here only: the schema (every module's GraphQL side) would slow every other command's start.
      const [{ buildSchema }, { assertRunnableDocuments }] = await Promise.all([import('../schema.js'), import('../graphql/document-check.js')]);
      assertRunnableDocuments(buildSchema(), texts, (index) => `manifest entry "${entries[index]!.key}"`);
      const outcome = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return registerManifest(database.db, { organizationId: options.org, environment: worldOf(options.environment) }, texts, new Date(), 'cli');
      });
      print(options.json ? JSON.stringify(outcome) : `${outcome.total} documents trusted in the ${options.environment} world of ${options.org} (${outcome.added} new).`);
    });

export const removeDocuments: CliCommand = (program, { print, withDatabase }) =>
  program
    .command('documents:remove')
    .description("Take trusted documents back from one world of an organization: all the ids given, or none (keys held to trusted documents are refused them from their next request)")
    .argument('<ids...>', 'document ids, `sha256:` and 64 hex digits, as trustedDocuments lists them')
    .requiredOption('--org <id>', 'organization id')
    .addOption(environmentOption())
    .option('--json', 'print exactly one JSON object')
    .action(async (ids: string[], options: { org: string; environment: 'live' | 'test'; json?: boolean }) => {
      const removed = await withDatabase(async (database) => {
        await findOrganization(database.db, options.org);
        return removeTrustedDocuments(database.db, { cli: 'cli' }, { organizationId: options.org, environment: worldOf(options.environment) }, ids, new Date());
      });
      const removedIds = removed.map((document) => document.id);
      print(options.json ? JSON.stringify({ removed: removedIds }) : `${removedIds.length} documents removed from the ${options.environment} world of ${options.org}.`);
    });
