import { loadConfig, type Config } from './config/config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';

/**
 * What the server and the CLI share at start-up: validated configuration and
 * a migrated database. A configuration problem ends the process with one line
 * naming the variable.
 */
export async function openRuntime(env = process.env): Promise<{ config: Config; database: DatabaseHandle }> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    console.error(`Invalid configuration: ${(error as Error).message}`);
    process.exit(1);
  }
  const database = await openDatabase(config.databaseUrl);
  await migrateDatabase(database);
  return { config, database };
}
