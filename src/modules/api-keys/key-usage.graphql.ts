import { builder } from '../../graphql/builder.js';
import { MAX_USAGE_REQUESTS } from '../../auth/access/key-settings.js';
import type { KeyUsage } from '../../rate-limit/usage-budget.js';

const UsageRefillPeriodEnum = builder.enumType('UsageRefillPeriod', {
  description: 'When a usage budget starts again: fixed UTC calendar periods.',
  values: {
    DAY: { description: 'At 00:00 UTC every day.' },
    WEEK: { description: 'At 00:00 UTC every Monday.' },
    MONTH: { description: 'At 00:00 UTC on the first of every month.' },
  } as const,
});

const UsageRefillInput = builder.inputType('UsageRefillInput', {
  description: 'How a usage budget is refilled.',
  fields: (t) => ({
    every: t.field({ type: UsageRefillPeriodEnum, required: true, description: 'The period at whose start the budget is set to `amount`.' }),
    amount: t.int({ required: true, description: `Requests each later period starts with (unused ones do not carry over); 1 to ${MAX_USAGE_REQUESTS}.` }),
  }),
});

export const UsageLimitInput = builder.inputType('UsageLimitInput', {
  description: 'A budget of requests: the key stops (429 USAGE_EXHAUSTED) once it is spent, until its refill if it has one.',
  fields: (t) => ({
    requests: t.int({ required: true, description: `Requests the key may make (until the first refill); 1 to ${MAX_USAGE_REQUESTS}.` }),
    refill: t.field({ type: UsageRefillInput, required: false, description: 'Without it the budget is never refilled.' }),
  }),
});

export const KeyUsageRef = builder.objectRef<KeyUsage>('KeyUsage').implement({
  description: "A usage-limited key's budget, counted across all instances. Rolling the key keeps it.",
  fields: (t) => ({
    limit: t.exposeInt('limit', { description: 'Requests the current period holds.' }),
    remaining: t.exposeInt('remaining', { description: 'Requests left in it.' }),
    refillsAt: t.expose('refillsAt', { type: 'DateTime', nullable: true, description: 'When the budget starts again with the refill amount; null: never.' }),
  }),
});
