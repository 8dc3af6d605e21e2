import type pino from 'pino';
import { loadConfig, type Config } from './config/config.js';
import { openDatabase, type DatabaseHandle, type EmbeddedNotice } from './db/client.js';
import { EmbeddedDatabaseInUse } from './db/embedded-folder.js';
import { migrateWhenReachable } from './db/reachable.js';
import { createLogger, type Logger } from './lib/logger.js';

export type Runtime = { config: Config; database: DatabaseHandle; logger: Logger };

export type RuntimeOptions = {
  /** The server logs on stdout (the default); the CLI keeps stdout for its answer (`--json`) and passes its stderr. */
  logTo?: pino.DestinationStream;
};

/**
 * A start that cannot go on. Its message is the one line the process prints
 * before it exits with code 1; thrown rather than exiting here, so the CLI can
 * also run inside another process (its tests) and report it like any outcome.
 */
export class StartupRefused extends Error {}

/**
 * What the server and the CLI share at start-up: validated configuration, the
 * logger and a migrated database. A configuration problem is refused with one
 * line naming the variable; an embedded database another process holds with
 * one line naming that process, before anything is opened; a database that is
 * not reachable yet is waited for (DATABASE_STARTUP_TIMEOUT_MS), saying so,
 * then refused with one line saying why.
 */
export async function openRuntime(env = process.env, options: RuntimeOptions = {}): Promise<Runtime> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    throw new StartupRefused(`Invalid configuration: ${(error as Error).message}`, { cause: error });
  }
  const logger = createLogger(config.logLevel, options.logTo);
  const database = await openDatabase(config.databaseUrl, {
    timeouts: { connectTimeoutMs: config.database.connectTimeoutMs, statementTimeoutMs: config.database.statementTimeoutMs },
    directUrl: config.database.directUrl ?? undefined,
    preparedStatements: config.database.preparedStatements,
    onNotice: (notice) => logNotice(logger, notice),
  }).catch((error: unknown) => {
    if (!(error instanceof EmbeddedDatabaseInUse)) throw error;
    throw new StartupRefused(error.message, { cause: error });
  });
  try {
    await migrateWhenReachable(database, {
      timeoutMs: config.database.startupTimeoutMs,
      onRetry: (error, attempt, retryInMs) =>
        logger.warn({ attempt, retryInMs, reason: describe(error) }, 'database not reachable yet; retrying'),
    });
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new StartupRefused(
      `Cannot start: the database is not usable (${describe(error)}); waited up to DATABASE_STARTUP_TIMEOUT_MS=${config.database.startupTimeoutMs}.`,
      { cause: error },
    );
  }
  return { config, database, logger };
}

function logNotice(logger: Logger, notice: EmbeddedNotice): void {
  if (notice.kind === 'creating') {
    logger.info({ folder: notice.folder }, `creating the embedded database in ${notice.folder} (first start, a few seconds)`);
  } else {
    logger.warn(
      { folder: notice.folder, lockHolderPid: notice.pid },
      `took over the embedded database in ${notice.folder}: its lock was left by process ${notice.pid ?? '(unknown)'}, which is gone`,
    );
  }
}

/** The driver's code and message: never the URL, which may carry a password. */
function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}
