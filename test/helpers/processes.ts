/**
 * Runs the real entry points (src/cli.ts, src/server.ts) as separate
 * processes, the way a user does, and collects what they print.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledSource } from './compiled-source.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where a process runs: the checkout, or (for relative defaults such as `.data/pglite`) a folder of the test's. */
export type SpawnOptions = { cwd?: string };

/**
 * `node <entry>` of src/ compiled once per change (compiled-source.ts: each file transformed as tsx
 * transforms it under `npm start`, without tsx's loader to pay for at each start); from any working folder.
 * The `npm start` and `npm run cli` commands themselves run in cli.test.ts and first-start.test.ts.
 */
export function nodeArgs(entry: string): string[] {
  return [join(compiledSource(ROOT), entry.replace(/\.ts$/, '.js'))];
}

/** Configuration every spawned process gets; ENCRYPTION_KEY keeps postgres:// URLs acceptable. */
export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export type Finished = { pid: number; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * The CLI (src/cli.ts, what `npm run cli` runs) in a process of its own, to
 * completion. cli.test.ts runs the npm path once.
 */
export function runCli(args: string[], env: Record<string, string>, { cwd = ROOT }: SpawnOptions = {}): Promise<Finished> {
  const child = spawn(process.execPath, [...nodeArgs('src/cli.ts'), ...args], { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  return finished(child, collect(child));
}

export type Output = { stdout: string; stderr: string };

function collect(child: ChildProcess): Output {
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return output;
}

function finished(child: ChildProcess, output: Output): Promise<Finished> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ pid: child.pid!, code, signal, ...output }));
  });
}

export type RunningServer = {
  child: ChildProcess;
  output: Output;
  port: number;
  exited: Promise<Finished>;
  /** Resolves once stdout holds a line matching the pattern. */
  waitFor(pattern: RegExp): Promise<void>;
};

/**
 * The server (src/server.ts, what `npm start` runs), not through npm: npm
 * does not pass SIGTERM on to its child, and the test signals the server.
 */
export async function startServer(env: Record<string, string>, options: SpawnOptions = {}): Promise<RunningServer> {
  const starting = spawnServer(env, options);
  return { ...starting, port: await starting.listening };
}

/** The server process as soon as it is spawned; `listening` resolves with its port. */
export function spawnServer(env: Record<string, string>, { cwd = ROOT }: SpawnOptions = {}): Omit<RunningServer, 'port'> & { listening: Promise<number> } {
  const child = spawn(process.execPath, nodeArgs('src/server.ts'), {
    cwd,
    env: baseEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const exited = finished(child, output);
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(output.stdout)) {
          child.stdout!.off('data', check);
          resolve();
        }
      };
      child.stdout!.on('data', check);
      void exited.then((result) => reject(new Error(`server exited (${result.code}) before printing ${pattern}:\n${result.stdout}\n${result.stderr}`)));
      check();
    });
  const listening = waitFor(/"msg":"Tessera listening/).then(() => {
    const line = output.stdout.split('\n').find((text) => text.includes('"msg":"Tessera listening'))!;
    return (JSON.parse(line) as { port: number }).port;
  });
  // Not every caller waits for it (a start expected to fail).
  listening.catch(() => {});
  return { child, output, exited, waitFor, listening };
}

/** The JSON log lines a process printed on stdout whose message contains `text`. */
export function logLines(stdout: string, text: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(text))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export const KEY_PATTERN = /(sk|pk)_(live|test)_[0-9A-Za-z]{38}/g;

/**
 * Where a server started with BOOTSTRAP_DEMO and no terminal put its demo key
 * (the log names the file, never the key), and the key in it.
 */
export function demoKeyOf(server: RunningServer): { keyFile: string; key: string } {
  const [line] = logLines(server.output.stdout, 'created a demo organization');
  if (!line) throw new Error(`no demo organization was created:\n${server.output.stdout}\n${server.output.stderr}`);
  const keyFile = line.keyFile as string;
  const keys = readFileSync(keyFile, 'utf8').match(KEY_PATTERN) ?? [];
  if (new Set(keys).size !== 1) throw new Error(`${keyFile} should hold one key`);
  return { keyFile, key: keys[0]! };
}
