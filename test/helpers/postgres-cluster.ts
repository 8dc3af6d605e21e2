/**
 * globalSetup of the `postgres` test project: starts a throw-away PostgreSQL
 * cluster for the run and provides its admin URL as `postgresAdminUrl`.
 *
 * The cluster lives in a temp dir, listens on 127.0.0.1 at a free port with
 * trust auth and fsync off, and is stopped and deleted on teardown. It holds
 * a migrated template database (`postgresTemplateDatabase`) that test
 * databases are copied from. initdb
 * refuses to run as root, so as root the server runs as the `postgres` user.
 *
 * Without server binaries the tier is skipped (tests see `null`), except
 * under CI=true, where a skipped tier would hide a broken run, so it fails.
 *
 * TESSERA_PG_BIN_DIR=/some/bin restricts the search to that one directory;
 * `TESSERA_PG_BIN_DIR=/nonexistent` simulates a machine without PostgreSQL.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { findFreePort } from './free-port.js';
import { acquireShared } from './shared-setup.js';

const execFileAsync = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string | null;
    /** A database migrated once for the run; test databases are created from it (CREATE DATABASE … TEMPLATE). */
    postgresTemplateDatabase: string | null;
  }
}

const LOG_PREFIX = '[postgres tier]';
const SERVER_USER = 'postgres';
const TEMPLATE_DATABASE = 'tessera_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = findServerBinDir();
  if (!binDir) {
    const reason = 'PostgreSQL server binaries (initdb, pg_ctl) not found — install Debian\'s postgresql-15';
    if (process.env.CI === 'true') throw new Error(`${LOG_PREFIX} cannot run under CI: ${reason}`);
    console.log(`${LOG_PREFIX} SKIPPED: ${reason}`);
    project.provide('postgresAdminUrl', null);
    project.provide('postgresTemplateDatabase', null);
    return async () => {};
  }

  // One cluster for the run, shared by the projects that list this setup (postgres, redis).
  const shared = await acquireShared('postgres-cluster', () => startMigratedCluster(binDir), (cluster) => cluster.stop());
  project.provide('postgresAdminUrl', shared.value.adminUrl);
  project.provide('postgresTemplateDatabase', TEMPLATE_DATABASE);
  return () => shared.release();
}

async function startMigratedCluster(binDir: string): Promise<Cluster & { adminUrl: string }> {
  const cluster = await startCluster(binDir);
  const stopOnExit = () => cluster.stop();
  process.once('exit', stopOnExit);
  const stop = () => {
    process.off('exit', stopOnExit);
    cluster.stop();
  };
  console.log(`${LOG_PREFIX} running against PostgreSQL ${cluster.version} at 127.0.0.1:${cluster.port} (${binDir})`);
  const adminUrl = `postgres://${SERVER_USER}@127.0.0.1:${cluster.port}/postgres`;
  try {
    await createTemplateDatabase(adminUrl);
  } catch (error) {
    stop();
    throw error;
  }
  return { ...cluster, adminUrl, stop };
}

/** Migrated here once, so each test file's database is a cheap file-level copy instead of a migration run. */
async function createTemplateDatabase(adminUrl: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(TEMPLATE_DATABASE)}`;
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${TEMPLATE_DATABASE}`;
  const handle = await openDatabase(url.toString());
  try {
    await migrateDatabase(handle);
  } finally {
    // CREATE DATABASE … TEMPLATE refuses a template anyone is connected to.
    await handle.close();
  }
}

export function findServerBinDir(): string | null {
  const override = process.env.TESSERA_PG_BIN_DIR;
  const candidates = override
    ? [override]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...debianServerBinDirs()];
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

/** /usr/lib/postgresql/<major>/bin, newest major first. */
function debianServerBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(root, major, 'bin'));
}

export interface Cluster {
  port: number;
  version: string;
  /** Stops the server and deletes its files. */
  stop(): void;
  /**
   * Stops the server, keeping its files: `fast` ends sessions cleanly, `immediate` is a crash (recovery on start).
   * Resolves once it is down; meanwhile the caller's process goes on (its clients' answers are timed as they come).
   */
  halt(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts a halted server again on the same port; resolves once it accepts connections. */
  resume(): Promise<void>;
}

/** A cluster of the caller's own (the chaos tier stops and crashes it); `findServerBinDir()` null means none can be made. */
export async function startCluster(binDir: string, options: { durable?: boolean } = {}): Promise<Cluster> {
  const baseDir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'server.log');
  const pgCtl = join(binDir, 'pg_ctl');

  let stopServer: (() => void) | null = null;
  const stop = () => {
    stopServer?.();
    stopServer = null;
    rmSync(baseDir, { recursive: true, force: true });
  };

  try {
    const serverUser = serverUserFor(baseDir);
    run(serverUser.command(join(binDir, 'initdb'), [
      '-D', dataDir, '-U', SERVER_USER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync',
    ]));
    // Set before starting: a start that timed out may still leave a server running.
    stopServer = () => {
      const [file, args] = serverUser.command(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-s']);
      spawnSync(file, args, { cwd: '/', stdio: 'ignore' });
    };
    const port = await startOnFreePort({ serverUser, pgCtl, dataDir, baseDir, logFile, durable: options.durable ?? false });
    const version = run([pgCtl, ['--version']]).replace(/^pg_ctl \(PostgreSQL\) /, '').trim();
    const halt = (mode: 'fast' | 'immediate') => runAsync(serverUser.command(pgCtl, ['stop', '-D', dataDir, '-m', mode, '-w', '-s']));
    const resume = () => runAsync(serverUser.command(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-s']));
    return { port, version, stop, halt, resume };
  } catch (error) {
    stop();
    throw error;
  }
}

interface StartOptions {
  /** fsync and synchronous commit on, as in production: a crash loses no acknowledged commit. Off (faster) otherwise. */
  durable: boolean;
  serverUser: ServerUser;
  pgCtl: string;
  dataDir: string;
  baseDir: string;
  logFile: string;
}

/** A free port can be taken between probing and binding, so retry a few times. */
async function startOnFreePort(options: StartOptions): Promise<number> {
  const { serverUser, pgCtl, dataDir, baseDir, logFile, durable } = options;
  const settingsFile = join(dataDir, 'postgresql.auto.conf');
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    writeFileSync(settingsFile, serverSettings(port, baseDir, durable));
    serverUser.own(settingsFile);
    try {
      run(serverUser.command(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-s']));
      return port;
    } catch (error) {
      if (attempt >= attempts) {
        appendLogTail(error, logFile);
        throw error;
      }
    }
  }
}

function serverSettings(port: number, socketDir: string, durable: boolean): string {
  return [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${socketDir}'`,
    ...(durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    'max_connections = 200',
    '',
  ].join('\n');
}

interface ServerUser {
  command(file: string, args: string[]): [string, string[]];
  own(path: string): void;
}

/** As root, commands run as the `postgres` user, who must own the cluster's files. */
function serverUserFor(baseDir: string): ServerUser {
  if (process.getuid?.() !== 0) return { command: (file, args) => [file, args], own: () => {} };
  // initdb refuses root, so the cluster belongs to the `postgres` user (created by Debian's postgresql packages).
  const uid = Number(run(['id', ['-u', SERVER_USER]]).trim());
  const gid = Number(run(['id', ['-g', SERVER_USER]]).trim());
  const own = (path: string) => chownSync(path, uid, gid);
  own(baseDir);
  return { command: (file, args) => ['runuser', ['-u', SERVER_USER, '--', file, ...args]], own };
}

/** As `run`, without blocking the caller's event loop while pg_ctl waits (a chaos test's load keeps being answered and timed). */
async function runAsync([file, args]: [string, string[]]): Promise<void> {
  try {
    await execFileAsync(file, args, { cwd: '/', encoding: 'utf8' });
  } catch (error) {
    throw commandFailed(file, args, error);
  }
}

function run([file, args]: [string, string[]]): string {
  try {
    // cwd '/': the server user may not be allowed into the caller's directory.
    return execFileSync(file, args, { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw commandFailed(file, args, error);
  }
}

/** The command and what it said on stderr (both forms of execFile put it on the error). */
function commandFailed(file: string, args: string[], error: unknown): Error {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return new Error(`${LOG_PREFIX} ${file} ${args.join(' ')} failed${stderr ? `:\n${stderr}` : ''}`, { cause: error });
}

function appendLogTail(error: unknown, logFile: string): void {
  if (!(error instanceof Error) || !existsSync(logFile)) return;
  const tail = spawnSync('tail', ['-n', '20', logFile], { encoding: 'utf8' }).stdout;
  error.message += `\n--- ${logFile} ---\n${tail}`;
}

