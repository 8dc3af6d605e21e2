/**
 * The availability probe (DatabaseHandle.probe) while PostgreSQL is away:
 * src/db/availability.ts asks every 200 ms, and each attempt must be a real
 * one. postgres.js's reconnection backoff on the probe's pool made each
 * failed attempt wait longer (up to half a second here), which delayed
 * noticing the database's return by as much.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';

/** A loopback port nothing listens on: connections to it are refused at once. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openDatabase(`postgres://tessera@127.0.0.1:${await refusedPort()}/tessera`);
});
afterAll(() => handle.close());

it('tries the connection at once on every probe, however many failed before it', async () => {
  const attempts = 20;
  const started = performance.now();
  for (let i = 0; i < attempts; i++) await expect(handle.probe()).rejects.toThrow(/ECONNREFUSED/);
  const elapsedMs = performance.now() - started;
  // With the default pool's backoff (≥ 25, 50, 100, 200, then 250 ms a try) 20 failures take more than 4.3 s;
  // refused at once, milliseconds each.
  expect(elapsedMs).toBeLessThan(2000);
});
