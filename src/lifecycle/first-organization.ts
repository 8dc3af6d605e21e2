import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { parseDatabaseUrl, type DatabaseHandle } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import { PRIVATE_FILE_MODE } from '../lib/private-folder.js';
import { bootstrapOrganization } from '../modules/organizations/bootstrap.js';
import { countOrganizations } from '../modules/organizations/organizations.service.js';

export const DEMO_KEY_FILE = 'demo-key.txt';
const BOOTSTRAP_COMMAND = 'npm run cli -- bootstrap --org "<name>" --admin-email <email>';

type Start = { config: Config; database: DatabaseHandle; logger: Logger; graphiql: string };

/**
 * A start on a database with no organization. The zero-configuration start
 * (BOOTSTRAP_DEMO) gets a demo organization and one full-access test key to
 * try things with; any other start is told how to create the first
 * organization, since a chosen database is for real use.
 */
export async function welcomeEmptyDatabase(start: Start): Promise<void> {
  const { config, database, logger } = start;
  if ((await countOrganizations(database.db)) > 0) return;
  if (!config.bootstrapDemo) {
    logger.info({ command: BOOTSTRAP_COMMAND }, `no organization yet: ${howToBootstrap(database.kind, config.databaseUrl)}`);
    return;
  }
  const demo = await bootstrapOrganization(
    database.db,
    { organizationName: 'Demo organization', adminEmail: 'admin@example.com', adminName: 'Demo admin', environment: 'TEST' },
    new Date(),
    'first-start',
  );
  const text = demoKeyText(demo.secret, start.graphiql);
  // The key goes to a person, never into the log stream (stdout), which collectors keep and ship.
  if (process.stderr.isTTY) {
    process.stderr.write(text);
    logger.info({ organizationId: demo.organization.id }, 'created a demo organization; its key was printed on the terminal (stderr), once');
    return;
  }
  const keyFile = writeDemoKey(config.databaseUrl, text);
  logger.info(
    { organizationId: demo.organization.id, keyFile },
    `created a demo organization; its full-access test key is in ${keyFile} (mode 0600), nowhere else: delete the file once stored`,
  );
}

function howToBootstrap(kind: DatabaseHandle['kind'], databaseUrl: string): string {
  if (kind === 'postgres') return `create the first with ${BOOTSTRAP_COMMAND} (same DATABASE_URL)`;
  if (parseDatabaseUrl(databaseUrl).kind === 'pglite-memory') return 'memory:// cannot be reached by the CLI; start with BOOTSTRAP_DEMO=true for a demo organization';
  return `stop the server, run ${BOOTSTRAP_COMMAND} with the same DATABASE_URL, and start it again (or start with BOOTSTRAP_DEMO=true for a demo)`;
}

function demoKeyText(secret: string, graphiql: string): string {
  return [
    '',
    'Created a demo organization with a full-access test key (shown only this once):',
    '',
    `    ${secret}`,
    '',
    `Open GraphiQL at ${graphiql} and paste this into its Headers tab:`,
    `    { "Authorization": "Bearer ${secret}" }`,
    '',
  ].join('\n') + '\n';
}

/**
 * Into the embedded database's folder (owner only, like the data), or a new
 * private temporary folder when there is none. An earlier file is replaced,
 * never followed: `wx` refuses a link planted in its place.
 */
function writeDemoKey(databaseUrl: string, text: string): string {
  const location = parseDatabaseUrl(databaseUrl);
  const folder = location.kind === 'pglite-dir' ? location.path : mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  // Absolute, so the path in the log can be opened from anywhere.
  const file = resolve(folder, DEMO_KEY_FILE);
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  return file;
}
