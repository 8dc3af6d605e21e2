/**
 * globalSetup of the `pgbouncer` test project, after postgres-cluster.ts:
 * starts Debian's pgbouncer in transaction pooling mode in front of the run's
 * PostgreSQL cluster (every database passed through, trust auth) and provides
 * its address as `pgbouncerUrl`. The tests then reach PostgreSQL the way many
 * deployments do: each transaction may run on a different server connection,
 * so nothing may rely on session state across transactions.
 *
 * Without pgbouncer (or without the cluster) the tier is skipped, loudly,
 * except under CI=true. TESSERA_PGBOUNCER=/path/to/pgbouncer picks the binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findFreePort, waitForPort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://…@127.0.0.1:<pgbouncer port>/ — the database name is the test's. */
    pgbouncerUrl: string | null;
  }
}

const LOG_PREFIX = '[pgbouncer tier]';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = project.getProvidedContext().postgresAdminUrl;
  const binary = findPgbouncer();
  const missing = !binary ? "pgbouncer not found — install Debian's pgbouncer" : !adminUrl ? 'no PostgreSQL cluster' : null;
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`${LOG_PREFIX} cannot run under CI: ${missing}`);
    console.log(`${LOG_PREFIX} SKIPPED: ${missing}`);
    project.provide('pgbouncerUrl', null);
    return async () => {};
  }
  const bouncer = await startPgbouncer(binary!, new URL(adminUrl!));
  console.log(`${LOG_PREFIX} running ${bouncer.version} in transaction mode at 127.0.0.1:${bouncer.port}`);
  project.provide('pgbouncerUrl', `postgres://postgres@127.0.0.1:${bouncer.port}/postgres`);
  const stopOnExit = () => bouncer.process.kill('SIGKILL');
  process.once('exit', stopOnExit);
  return async () => {
    process.off('exit', stopOnExit);
    await bouncer.stop();
  };
}

function findPgbouncer(): string | null {
  const override = process.env.TESSERA_PGBOUNCER;
  if (override) return existsSync(override) ? override : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  return dirs.map((dir) => join(dir, 'pgbouncer')).find((path) => existsSync(path)) ?? null;
}

async function startPgbouncer(binary: string, server: URL) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pgbouncer-'));
  const port = await findFreePort();
  const config = join(dir, 'pgbouncer.ini');
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 2000',
      'default_pool_size = 40',
      // The app sends statement_timeout when it connects; PgBouncer would refuse the session over it.
      'ignore_startup_parameters = extra_float_digits,statement_timeout',
      'admin_users = postgres',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  // pgbouncer refuses to run as root.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    for (const path of [dir, config, join(dir, 'users.txt')]) chownSync(path, uid, gid);
  }
  const [file, args] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, config]] : [binary, [config]];
  const child: ChildProcess = spawn(file, args, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 10_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${LOG_PREFIX} pgbouncer did not start on port ${port} (${(error as Error).message}):\n${stderr}`);
  }
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? 'pgbouncer';
  return {
    port,
    version,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
