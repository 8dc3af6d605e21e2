/**
 * Runs the real entry points (src/cli.ts, src/server.ts) as separate
 * processes, the way a user does, and collects what they print.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

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

export type Finished = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * `node --import tsx src/cli.ts …` (what `npm run cli` runs, in one process
 * rather than npx's three), to completion. cli.test.ts runs the npm path once.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
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
    child.once('close', (code, signal) => resolve({ code, signal, ...output }));
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
 * `node --import tsx src/server.ts`, exactly what `npm start` runs, but not
 * through npm: npm does not pass SIGTERM on to its child, and the test
 * signals the server.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const starting = spawnServer(env);
  return { ...starting, port: await starting.listening };
}

/** The server process as soon as it is spawned; `listening` resolves with its port. */
export function spawnServer(env: Record<string, string>): Omit<RunningServer, 'port'> & { listening: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: baseEnv({ PORT: '0', HOST: '127.0.0.1', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
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
