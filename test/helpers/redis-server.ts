/**
 * globalSetup of the `redis` test project: starts a throw-away redis-server
 * for the run (127.0.0.1, a free port, no persistence) and provides its URL as
 * `redisUrl`. Tests that need a Redis of their own (to kill it) use
 * `startRedisServer()` directly.
 *
 * Without the redis-server binary the tier is skipped (tests see `null`),
 * except under CI=true, where a skipped tier would hide a broken run.
 * TESSERA_REDIS_SERVER=/path/to/redis-server picks the binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort, waitForPort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
    redisServerBinary: string | null;
  }
}

const LOG_PREFIX = '[redis tier]';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binary = findRedisServer();
  project.provide('redisServerBinary', binary);
  if (!binary) {
    const reason = "redis-server not found — install Debian's redis-server";
    if (process.env.CI === 'true') throw new Error(`${LOG_PREFIX} cannot run under CI: ${reason}`);
    console.log(`${LOG_PREFIX} SKIPPED: ${reason}`);
    project.provide('redisUrl', null);
    return async () => {};
  }
  const server = await startRedisServer(binary);
  console.log(`${LOG_PREFIX} running against ${server.version} at ${server.url}`);
  project.provide('redisUrl', server.url);
  const stopOnExit = () => server.process.kill('SIGKILL');
  process.once('exit', stopOnExit);
  return async () => {
    process.off('exit', stopOnExit);
    await server.stop();
  };
}

export function findRedisServer(): string | null {
  const override = process.env.TESSERA_REDIS_SERVER;
  if (override) return existsSync(override) ? override : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  return dirs.map((dir) => join(dir, 'redis-server')).find((path) => existsSync(path)) ?? null;
}

export type RedisServer = { url: string; port: number; version: string; process: ChildProcess; stop(): Promise<void> };

/** A redis-server on 127.0.0.1 (the given port, or a free one), without persistence; resolves once it accepts connections. */
export async function startRedisServer(binary: string, port?: number): Promise<RedisServer> {
  const chosen = port ?? (await findFreePort());
  const child = spawn(binary, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(chosen, 10_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${LOG_PREFIX} redis-server did not start on port ${chosen}: ${(error as Error).message}\n${stderr}`);
  }
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.split(' sha=')[0]?.trim() ?? 'redis-server';
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    version,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
