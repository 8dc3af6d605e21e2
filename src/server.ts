import { createServer } from 'node:http';
import { createApp } from './app.js';
import { createLogger } from './lib/logger.js';
import { countOrganizations } from './modules/organizations/organizations.service.js';
import { bootstrapOrganization } from './modules/organizations/bootstrap.js';
import { openRuntime } from './runtime.js';

const { config, database } = await openRuntime();
const logger = createLogger(config.logLevel);

// First start on an empty database: a demo organization and one key to try things with.
if ((await countOrganizations(database.db)) === 0) {
  const demo = await bootstrapOrganization(
    database.db,
    { organizationName: 'Demo organization', adminEmail: 'admin@example.com', adminName: 'Demo admin', environment: 'TEST' },
    new Date(),
    'first-start',
  );
  // Printed once, to the terminal only: never through the logger, never again.
  process.stdout.write(
    [
      '',
      'Created a demo organization with a full-access test key (shown only this once):',
      '',
      `    ${demo.secret}`,
      '',
      `Open http://localhost:${config.port}/graphql and paste it into the Headers tab:`,
      `    { "Authorization": "Bearer ${demo.secret}" }`,
      '',
    ].join('\n') + '\n',
  );
}

const app = createApp(config, { database, logger });
const server = createServer(app.yoga);
server.listen(config.port, config.host, () => {
  logger.info({ port: config.port, database: database.kind }, `Tessera listening on http://localhost:${config.port}/graphql`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
  // close() stops accepting and resolves once in-flight requests have finished.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await app.stop();
  await database.close();
  logger.info('stopped cleanly');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
