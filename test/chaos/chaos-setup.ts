/**
 * globalSetup of the `chaos` tier: the tests stop, crash and restart servers of
 * their own (PostgreSQL clusters, redis-server, our server processes), so this
 * only finds the binaries. Without them the tier is skipped, loudly, except
 * under CI=true, where a skipped tier would hide a broken run.
 */
import type { TestProject } from 'vitest/node';
import { findServerBinDir } from '../helpers/postgres-cluster.js';
import { findRedisServer } from '../helpers/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresBinDir: string | null;
  }
}

export default function setup(project: TestProject): void {
  const binDir = findServerBinDir();
  const redis = findRedisServer();
  const missing = [binDir ? null : "PostgreSQL server binaries (Debian's postgresql-15)", redis ? null : "redis-server (Debian's redis-server)"].filter(Boolean);
  if (missing.length > 0) {
    const reason = `${missing.join(' and ')} not found`;
    if (process.env.CI === 'true') throw new Error(`[chaos tier] cannot run under CI: ${reason}`);
    console.log(`[chaos tier] SKIPPED where they are needed: ${reason}`);
  }
  project.provide('postgresBinDir', binDir);
  project.provide('redisServerBinary', redis);
}
