/**
 * DatabaseAvailability (src/db/availability.ts): marked down by an
 * "unavailable" error, up again by any probe that answers — its own loop's,
 * or `/ready`'s while the loop's is still waiting on a connection.
 */
import { expect, it } from 'vitest';
import { DatabaseAvailability } from '../../src/db/availability.js';
import { createLogger } from '../../src/lib/logger.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

it("is up again as soon as /ready's probe answers, while the loop's own probe still waits", async () => {
  // Every probe waits until the test answers it: a connection attempt that hangs.
  const pending: Array<(error?: Error) => void> = [];
  const probe = () => new Promise<void>((resolve, reject) => pending.push((error) => (error ? reject(error) : resolve())));
  const availability = new DatabaseAvailability(probe, createLogger('silent'), 10);
  availability.report(refused());
  expect(availability.isDown).toBe(true);
  await expect.poll(() => pending.length).toBe(1);

  // /ready's probe (the same function) answers; the loop's is still waiting.
  const ready = availability.probeAndNote();
  expect(pending).toHaveLength(2);
  pending[1]!();
  await ready;
  expect(availability.isDown).toBe(false);

  // Down again: the loop still waiting on its probe goes on for this outage, and no second loop starts.
  availability.report(refused());
  expect(availability.isDown).toBe(true);
  pending[0]!(refused());
  await expect.poll(() => pending.length).toBe(3);
  expect(availability.isDown).toBe(true);
  pending[2]!();
  await expect.poll(() => availability.isDown).toBe(false);
  await availability.stop();
  expect(pending).toHaveLength(3);
});

it('ignores an error that does not mean the database is away', () => {
  const availability = new DatabaseAvailability(async () => {}, createLogger('silent'));
  availability.report(Object.assign(new Error('duplicate key'), { code: '23505' }));
  expect(availability.isDown).toBe(false);
});
