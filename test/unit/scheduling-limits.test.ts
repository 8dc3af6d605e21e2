import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/lib/errors.js';
import { pacer } from '../../src/lib/pace.js';
import { ComputeQueue } from '../../src/rate-limit/compute-queue.js';
import { HostDayBudget } from '../../src/rate-limit/host-day-budget.js';

const call = (days: number, hosts: number) => ({ field: 'availability', days, hosts, argument: 'to', advice: 'Ask for a shorter range (from, to).' });

describe('the host-day budget', () => {
  it('lets calls spend days × hosts until the budget is gone, then refuses naming the argument', () => {
    const budget = new HostDayBudget(100);
    budget.spend(call(31, 2));
    budget.spend(call(31, 1));
    expect(budget.remaining).toBe(7);
    let refusal: unknown;
    try {
      budget.spend(call(8, 1));
    } catch (error) {
      refusal = error;
    }
    expect(isAppError(refusal) && refusal.code).toBe('QUERY_TOO_COMPLEX');
    expect(isAppError(refusal) && refusal.details).toEqual({ argument: 'to', cost: 8, budget: 100, left: 7 });
    expect((refusal as Error).message).toBe(
      'availability over 8 days for 1 host costs 8 host-days; one request may spend 100 (7 left after its other calls). Ask for a shorter range (from, to).',
    );
    // A refused call spends nothing.
    expect(budget.remaining).toBe(7);
  });
});

describe('the compute queue', () => {
  const later = () => {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    return { done, finish };
  };

  it('runs at most the limit of one organization at once, the others in arrival order, and others not at all delayed', async () => {
    const queue = new ComputeQueue(2);
    const order: string[] = [];
    const gates = [later(), later(), later()];
    const runs = gates.map((gate, i) => queue.run('org_a', undefined, async () => (order.push(`a${i}`), gate.done)));
    await queue.run('org_b', undefined, async () => order.push('b'));
    expect(order).toEqual(['a0', 'a1', 'b']);
    expect(queue.running('org_a')).toBe(2);
    gates[0]!.finish();
    await runs[0];
    expect(order).toEqual(['a0', 'a1', 'b', 'a2']);
    gates[1]!.finish();
    gates[2]!.finish();
    await Promise.all(runs);
    expect(queue.running('org_a')).toBe(0);
  });

  it("gives up a waiting turn when the request's signal aborts, with its reason", async () => {
    const queue = new ComputeQueue(1);
    const first = later();
    const running = queue.run('org_a', undefined, () => first.done);
    const cancel = new AbortController();
    let ran = false;
    const waiting = queue.run('org_a', cancel.signal, async () => void (ran = true));
    const reason = new Error('deadline');
    cancel.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    first.finish();
    await running;
    expect(ran).toBe(false);
    expect(queue.running('org_a')).toBe(0);
  });
});

describe('pacing', () => {
  it('throws the reason once the signal aborted', async () => {
    const cancel = new AbortController();
    const pause = pacer(cancel.signal);
    await pause();
    const reason = new Error('client gone');
    cancel.abort(reason);
    await expect(pause()).rejects.toBe(reason);
  });

  it('gives way to timers once a slice has run', async () => {
    const pause = pacer(undefined, 0);
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    const until = performance.now() + 5;
    while (performance.now() < until);
    for (let i = 0; i < 3 && !timerRan; i++) await pause();
    expect(timerRan).toBe(true);
  });
});
