/**
 * What CLI tests share: running the CLI in this process, asking the API
 * about what it wrote, and the shape of a refusal (exit code 1, one line on
 * stderr).
 */
import { expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { runCli } from '../../src/cli/program.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/lib/logger.js';
import { baseEnv, type Finished } from './processes.js';

/**
 * The CLI run here rather than as `node --import tsx src/cli.ts` (runCli in
 * processes.ts): the same exit code, stdout and stderr, without a process's
 * second of start-up CPU. The environment is a spawned CLI's (baseEnv).
 */
export async function cliInProcess(args: string[], env: Record<string, string>): Promise<Finished> {
  const output = { stdout: '', stderr: '' };
  const code = await runCli(args, {
    env: baseEnv(env),
    stdout: (text) => (output.stdout += text),
    stderr: (text) => (output.stderr += text),
  });
  return { pid: process.pid, code, signal: null, ...output };
}

export type Ask = (query: string, key: string) => Promise<{ status: number; body: any }>;

/** Opens the CLI's database and asks the API (after the CLI closed it: an embedded database has one owner at a time). */
export async function withApp<T>(url: string, work: (ask: Ask, database: DatabaseHandle) => Promise<T>) {
  const database = await openDatabase(url);
  const app = await createApp(loadConfig({ DATABASE_URL: 'memory://' }), { database, logger: createLogger('silent') });
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
