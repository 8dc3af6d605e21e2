import { builder } from '../../graphql/builder.js';
import { actorOf } from '../../graphql/context.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import type { KeyPolicy } from '../../rate-limit/request-limits.js';
import { ApiKeyRef } from './api-keys.graphql.js';
import { MAX_OVERRIDE_REQUESTS, MAX_OVERRIDE_WINDOW_SECONDS } from '../../auth/access/key-lifecycle.js';
import { rateLimitOverrideOf } from '../../auth/key-state.js';
import { setApiKeyRateLimit } from './key-rate-limit.js';

const ApiKeyRateLimitRef = builder.objectRef<KeyPolicy>('ApiKeyRateLimit').implement({
  description: 'How many requests a key may make per window, across all instances; reported on every response in X-RateLimit-* headers.',
  fields: (t) => ({
    requests: t.exposeInt('requests', { description: 'Requests allowed per window.' }),
    windowSeconds: t.exposeInt('windowSeconds', { description: 'The window, in seconds.' }),
    isDefault: t.exposeBoolean('isDefault', {
      description: "True when the key follows its environment's default (live 1,000 and test 100 per minute unless configured otherwise).",
    }),
  }),
});

const ApiKeyRateLimitInput = builder.inputType('ApiKeyRateLimitInput', {
  description: "A key's own request limit: requests per windowSeconds, no faster than its environment's default.",
  fields: (t) => ({
    requests: t.int({ required: true, description: `Requests per window, 1 to ${MAX_OVERRIDE_REQUESTS}.` }),
    windowSeconds: t.int({ required: true, description: `The window in seconds, 1 to ${MAX_OVERRIDE_WINDOW_SECONDS} (a day).` }),
  }),
});

builder.objectField(ApiKeyRef, 'rateLimit', (t) =>
  t.field({
    type: ApiKeyRateLimitRef,
    description: 'The request limit in force for this key.',
    resolve: (key, _args, { limits }) => limits.keyPolicy(key.environment, rateLimitOverrideOf(key)),
  }),
);

builder.mutationField('setApiKeyRateLimit', (t) =>
  t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: ApiKeyRef,
    description:
      "Gives a key its own request limit; `limit: null` restores its environment's default. Applies from the next request on. " +
      "Over the API the rate can be at most the default one (raising it is `npm run cli -- keys:rate-limit`), and never set for the calling key itself.",
    args: {
      id: t.arg.id({ required: true, description: 'The key to limit; not the calling key.' }),
      limit: t.arg({ type: ApiKeyRateLimitInput, required: false, description: "The new limit; null or omitted: the environment's default." }),
    },
    resolve: (_root, { id, limit }, context) =>
      setApiKeyRateLimit(context.db, actorOf(context), id, limit ?? null, context.now(), (environment) =>
        context.limits.keyPolicy(environment, null),
      ),
  }),
);
