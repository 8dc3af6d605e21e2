import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { PeriodicTask } from '../../src/lib/periodic-task.js';

/** A run that stays in flight until the test lets it finish. */
function heldRun() {
  let release: () => void = () => undefined;
  let calls = 0;
  const run = () => {
    calls++;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  };
  return { run, release: () => release(), calls: () => calls };
}

function capturedLogger() {
  const lines: Array<{ msg: string; err?: { message: string } }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('PeriodicTask', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once at start when asked, then on the timer; not at all with the timer off', async () => {
    let runs = 0;
    const task = new PeriodicTask({ name: 'eager', intervalMs: 1000, runAtStart: true, run: () => void runs++, logger: createLogger('silent') });
    task.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    await task.stop();
    const off = new PeriodicTask({ name: 'off', intervalMs: 0, runAtStart: true, run: () => void runs++, logger: createLogger('silent') });
    off.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
  });

  it('never starts a run while the previous one is still going', async () => {
    const held = heldRun();
    const task = new PeriodicTask({ name: 'slow', intervalMs: 100, run: held.run, logger: createLogger('silent') });
    task.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(held.calls()).toBe(1);

    held.release();
    await vi.advanceTimersByTimeAsync(100);
    expect(held.calls()).toBe(2);
    held.release();
    await task.stop();
  });

  it('logs a failed run and tries again on the next tick', async () => {
    const { logger, lines } = capturedLogger();
    let calls = 0;
    const run = async () => {
      calls++;
      if (calls === 1) throw new Error('database away');
    };
    const task = new PeriodicTask({ name: 'audit flush', intervalMs: 100, run, logger });
    task.start();
    await vi.advanceTimersByTimeAsync(200);
    await task.stop();
    expect(calls).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'audit flush failed', err: { message: 'database away' } });
  });

  it('waits on stop for the run in flight, and runs no more after', async () => {
    const held = heldRun();
    const task = new PeriodicTask({ name: 'slow', intervalMs: 100, run: held.run, logger: createLogger('silent') });
    task.start();
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = task.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);

    held.release();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);
    expect(held.calls()).toBe(1);
  });

  it('tells the run in flight to take no new items once stop is called, and waits for the item in hand', async () => {
    const held = heldRun();
    let items = 0;
    const task = new PeriodicTask({
      name: 'backlog',
      intervalMs: 100,
      run: async (stopping) => {
        while (!stopping.aborted && items < 10) {
          items++;
          await held.run();
        }
      },
      logger: createLogger('silent'),
    });
    task.start();
    await vi.advanceTimersByTimeAsync(100);
    held.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(items).toBe(2);

    const stopping = task.stop();
    held.release();
    await stopping;
    expect(items).toBe(2);
  });

  it('keeps no timer with an interval of 0, yet runs when asked (joining a run in flight)', async () => {
    const held = heldRun();
    const task = new PeriodicTask({ name: 'manual', intervalMs: 0, run: held.run, logger: createLogger('silent') });
    task.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(held.calls()).toBe(0);

    const first = task.runNow();
    const second = task.runNow();
    expect(second).toBe(first);
    held.release();
    await first;
    expect(held.calls()).toBe(1);
  });
});
