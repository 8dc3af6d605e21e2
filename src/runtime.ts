import { loadConfig, type Config } from './config/config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { migrateWhenReachable } from './db/reachable.js';
import { createLogger, type Logger } from './lib/logger.js';

export type Runtime = { config: Config; database: DatabaseHandle; logger: Logger };

/**
 * What the server and the CLI share at start-up: validated configuration, the
 * logger and a migrated database. A configuration problem ends the process
 * with one line naming the variable; a database that is not reachable yet is
 * waited for (DATABASE_STARTUP_TIMEOUT_MS), saying so, then ends it with one
 * line saying why.
 */
export async function openRuntime(env = process.env): Promise<Runtime> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    console.error(`Invalid configuration: ${(error as Error).message}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl, {
    timeouts: { connectTimeoutMs: config.database.connectTimeoutMs, statementTimeoutMs: config.database.statementTimeoutMs },
    directUrl: config.database.directUrl ?? undefined,
    preparedStatements: config.database.preparedStatements,
  });
  try {
    await migrateWhenReachable(database, {
      timeoutMs: config.database.startupTimeoutMs,
      onRetry: (error, attempt, retryInMs) =>
        logger.warn({ attempt, retryInMs, reason: describe(error) }, 'database not reachable yet; retrying'),
    });
  } catch (error) {
    await database.close().catch(() => undefined);
    console.error(`Cannot start: the database is not usable (${describe(error)}); waited up to DATABASE_STARTUP_TIMEOUT_MS=${config.database.startupTimeoutMs}.`);
    process.exit(1);
  }
  return { config, database, logger };
}

/** The driver's code and message: never the URL, which may carry a password. */
function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}
