import { appError } from '../lib/errors.js';

/** One availability or free/busy call, as its cost is counted: the days of its range × the hosts it covers. */
export type ScheduleCall = {
  field: string;
  days: number;
  hosts: number;
  /** The argument to narrow, named in the refusal (`extensions.argument`). */
  argument: string;
  /** How to ask for less, in the refusal's words. */
  advice: string;
};

const count = (n: number) => n.toLocaleString('en');
const counted = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;

/**
 * How much scheduling one request may ask for (AVAILABILITY_MAX_HOST_DAYS).
 * The work of `availability` and `freeBusy` grows with the days of the range
 * and with the hosts it covers, so a call costs days × hosts ("host-days"),
 * and every call of the request (aliases included) spends from one budget.
 * Spent before any schedule is loaded: a refused call costs nothing.
 */
export class HostDayBudget {
  private left: number;

  constructor(readonly max: number) {
    this.left = max;
  }

  /** Host-days this request has not spent yet. */
  get remaining(): number {
    return this.left;
  }

  /** Spends the call's cost, or throws QUERY_TOO_COMPLEX naming the argument to narrow. */
  spend(call: ScheduleCall): void {
    const cost = Math.max(1, call.days) * Math.max(1, call.hosts);
    if (cost <= this.left) {
      this.left -= cost;
      return;
    }
    const left = this.left === this.max ? '' : ` (${count(this.left)} left after its other calls)`;
    throw appError(
      'QUERY_TOO_COMPLEX',
      `${call.field} over ${counted(call.days, 'day')} for ${counted(call.hosts, 'host')} costs ${count(cost)} host-days; ` +
        `one request may spend ${count(this.max)}${left}. ${call.advice}`,
      { argument: call.argument, cost, budget: this.max, left: this.left },
    );
  }
}
