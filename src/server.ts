import { createServer } from 'node:http';
import { createApp } from './app.js';
import { welcomeEmptyDatabase } from './lifecycle/first-organization.js';
import { HttpDrain } from './lifecycle/http-drain.js';
import { handleProcessFaults } from './lifecycle/process-faults.js';
import { openRuntime, StartupRefused } from './runtime.js';

const { config, database, logger } = await openRuntime().catch((error: unknown) => {
  if (!(error instanceof StartupRefused)) throw error;
  console.error(error.message);
  process.exit(1);
});

const app = await createApp(config, { database, logger });
const server = createServer();
const http = new HttpDrain(server);
server.on('request', http.listener(app.listener));
await new Promise<void>((resolve) => {
  const refuse = (error: NodeJS.ErrnoException) => {
    console.error(`Cannot start: PORT: cannot listen on ${config.host}:${config.port} (${error.code ?? error.message})`);
    process.exit(1);
  };
  server.once('error', refuse);
  server.listen(config.port, config.host, () => {
    server.off('error', refuse);
    resolve();
  });
});
// PORT=0 asks the system for a free port: report the one we got.
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
const graphiql = `http://localhost:${port}/graphql`;

// Once listening succeeded, so a failed start never swallows the only copy of a demo key.
await welcomeEmptyDatabase({ config, database, logger, graphiql });
logger.info({ port, database: database.kind }, `Tessera listening on ${graphiql}`);

let stopping = false;
/**
 * Not ready first (a load balancer stops sending), then the listener closes,
 * requests already received are answered (SHUTDOWN_TIMEOUT_MS bounds it),
 * background work stops after the item in hand, audit records and last-used
 * times are written, the database closed.
 */
async function shutdown(reason: string, exitCode: number) {
  if (stopping) return;
  stopping = true;
  app.readiness.withdraw(reason === 'faulted' ? 'faulted' : 'draining');
  // Should stopping the background work or closing the database hang, the process still ends.
  setTimeout(() => process.exit(exitCode || 1), config.shutdownTimeoutMs + 30_000).unref();
  http.stopAccepting();
  logger.info({ reason, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: not ready, no new connections, answering requests in flight');
  const outcome = await http.drain(config.shutdownTimeoutMs);
  logger.info(outcome, 'HTTP drained');
  // Stopping writes what is buffered (audit records, last-used times): bounded too, since a database
  // that does not answer (dropped behind a pooler that keeps retrying) would hold the exit for minutes.
  const stoppedInTime = await Promise.race([
    app.stop().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), config.shutdownTimeoutMs).unref()),
  ]);
  if (!stoppedInTime) {
    logger.error({ deadlineMs: config.shutdownTimeoutMs }, 'background work did not stop in time (is the database answering?): exiting without it; records not yet written are lost');
    exitCode ||= 1;
  }
  await database.close().catch((error: unknown) => logger.error({ err: error }, 'closing the database failed'));
  logger.info({ exitCode }, 'stopped');
  process.exit(exitCode);
}

handleProcessFaults(logger, { drainAndExit: (reason, exitCode) => void shutdown(reason, exitCode) });
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGINT', () => void shutdown('SIGINT', 0));
