import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { migrateWhenReachable } from '../../src/db/reachable.js';
import { isDatabaseUnavailable, unavailableReason } from '../../src/db/unavailable.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to crash of another server process'],
    ['57P03', 'the database system is shutting down'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
    ['08001', 'could not connect'],
    ['57014', 'canceling statement due to statement timeout'],
    ['ECONNREFUSED', 'connect ECONNREFUSED'],
    ['CONNECT_TIMEOUT', 'connect timeout'],
  ])('counts %s (%s)', (code, message) => {
    expect(isDatabaseUnavailable(pgError(code, message))).toBe(true);
    // Drizzle wraps driver errors: the cause decides.
    expect(isDatabaseUnavailable(Object.assign(new Error('Failed query'), { cause: pgError(code, message) }))).toBe(true);
    // …and names the reason for the log line that marks the database down.
    expect(unavailableReason(Object.assign(new Error('Failed query'), { cause: pgError(code, message) }))).toBe(code);
  });

  it.each([
    ['23505', 'duplicate key value violates unique constraint'],
    ['57014', 'canceling statement due to user request'],
    ['42P01', 'relation does not exist'],
    ['28P01', 'password authentication failed'],
  ])('does not count %s (%s)', (code, message) => {
    expect(isDatabaseUnavailable(pgError(code, message))).toBe(false);
    expect(unavailableReason(pgError(code, message))).toBeNull();
  });
});

describe('migrateWhenReachable', () => {
  // Port 1 on loopback: nothing listens, every connection is refused.
  const unreachable = 'postgres://tessera@127.0.0.1:1/tessera';

  it('retries an unreachable database with growing waits, then gives up with its error', async () => {
    const database = await openDatabase(unreachable, { timeouts: { connectTimeoutMs: 500, statementTimeoutMs: 1000 } });
    const waits: number[] = [];
    let clock = 0;
    try {
      const failure = await migrateWhenReachable(database, {
        timeoutMs: 20_000,
        onRetry: (_error, _attempt, retryInMs) => waits.push(retryInMs),
        sleep: async (ms) => void (clock += ms),
        now: () => clock,
      }).catch((error: { code?: string }) => error);
      expect((failure as { code?: string }).code).toBe('ECONNREFUSED');
    } finally {
      await database.close();
    }
    // Doubling from 250 ms, at most 5 s apart, and no wait that would end past the time allowed.
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('does not retry what waiting cannot fix', async () => {
    const database = { ping: async () => Promise.reject(pgError('28P01', 'password authentication failed')) } as never;
    let retries = 0;
    const failure = await migrateWhenReachable(database, { timeoutMs: 60_000, onRetry: () => retries++ }).catch((error: Error) => error.message);
    expect(failure).toBe('password authentication failed');
    expect(retries).toBe(0);
  });
});

