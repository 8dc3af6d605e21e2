/**
 * What CLI tests share: asking the API about what the CLI wrote, and the
 * shape of a refusal (exit code 1, one line on stderr).
 */
import { expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Finished } from './processes.js';

export type Ask = (query: string, key: string) => Promise<{ status: number; body: any }>;

/** Opens the CLI's database in this process (after the CLI exited: PGlite is single-process) and asks the API. */
export async function withApp<T>(url: string, work: (ask: Ask, database: DatabaseHandle) => Promise<T>) {
  const database = await openDatabase(url);
  const app = createApp(loadConfig({ DATABASE_URL: 'memory://' }), { database, logger: createLogger('silent') });
  const ask: Ask = async (query, key) => {
    const response = await app.yoga.fetch('http://tessera.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: await response.json() };
  };
  try {
    return await work(ask, database);
  } finally {
    await app.stop();
    await database.close();
  }
}

export function expectOneLineError(result: Finished, ...mentions: string[]) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  for (const mention of mentions) expect(lines[0]).toContain(mention);
}
