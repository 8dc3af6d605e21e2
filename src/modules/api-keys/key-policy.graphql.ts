import { MAX_POLICY_LIFETIME_DAYS, MIN_POLICY_LIFETIME_DAYS, type OrganizationKeyPolicy } from '../../auth/access/key-policy.js';
import { builder } from '../../graphql/builder.js';
import { actorOf } from '../../graphql/context.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { MemberRoleEnum } from '../members/member-refs.graphql.js';
import { updateKeyPolicy } from './key-policy.service.js';

const OrganizationKeyPolicyRef = builder.objectRef<OrganizationKeyPolicy>('OrganizationKeyPolicy').implement({
  description: "The organization's own rules for its keys, on top of what any key may hold. Refusals name the rule: `extensions.reason` is `policy.<field>`.",
  fields: (t) => ({
    maxLifetimeDays: t.exposeInt('maxLifetimeDays', {
      nullable: true,
      description: 'Keys created from now on live at most this long (expiresIn), and rolled keys are capped to it. Null: no maximum.',
    }),
    enforceOnExisting: t.exposeBoolean('enforceOnExisting', {
      description: 'Setting maxLifetimeDays also gives existing keys that live longer an end date: maxLifetimeDays from the change.',
    }),
    requireAllowedIpsForLiveSecretKeys: t.exposeBoolean('requireAllowedIpsForLiveSecretKeys', {
      description: 'Live secret keys must carry allowedIps: creating, updating or rolling one without is refused.',
    }),
    publicKeysAllowed: t.exposeBoolean('publicKeysAllowed', { description: 'False: public keys are neither created nor rolled.' }),
    liveKeysAllowedForRole: t.field({
      type: MemberRoleEnum,
      nullable: true,
      description: 'The lowest role whose keys may be live (ADMIN: only admins\'). Null: any role.',
      resolve: (policy) => policy.liveKeysAllowedForRole,
    }),
    reportOverprivilegedKeys: t.exposeBoolean('reportOverprivilegedKeys', {
      description:
        'Weekly, the api_key.overprivileged webhook event for each key older than 30 days that exercised under half of its scopes in the last 30 days (ApiKey.scopeUsage). A notice, never a refusal.',
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true, description: 'Null: never set.' }),
  }),
});

const UpdateOrganizationKeyPolicyInput = builder.inputType('UpdateOrganizationKeyPolicyInput', {
  description: 'Fields left out keep their value.',
  fields: (t) => ({
    maxLifetimeDays: t.int({
      required: false,
      description: `${MIN_POLICY_LIFETIME_DAYS} to ${MAX_POLICY_LIFETIME_DAYS} days; null removes the maximum.`,
    }),
    enforceOnExisting: t.boolean({
      required: false,
      description: 'With a maximum: keys already living longer get an end date of now + maxLifetimeDays, with the api_key.expiring warning before it.',
    }),
    requireAllowedIpsForLiveSecretKeys: t.boolean({ required: false, description: 'Live secret keys must carry an IP allowlist (allowedIps).' }),
    publicKeysAllowed: t.boolean({ required: false, description: 'False: no public (pk_) key may be created or rolled.' }),
    liveKeysAllowedForRole: t.field({ type: MemberRoleEnum, required: false, description: 'Null: any role.' }),
    reportOverprivilegedKeys: t.boolean({
      required: false,
      description: 'True: report under-used keys weekly with the api_key.overprivileged webhook event (off by default).',
    }),
  }),
});

builder.queryField('organizationKeyPolicy', (t) =>
  t.field({
    ...requires('keys:read'),
    type: OrganizationKeyPolicyRef,
    description: "The organization's rules for its keys.",
    // Loaded with the caller's key at verification: no query.
    resolve: (_root, _args, { principal }) => principal.keyPolicy,
  }),
);

builder.mutationField('updateOrganizationKeyPolicy', (t) =>
  t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: OrganizationKeyPolicyRef,
    description: "Changes the organization's rules for its keys; takes effect on the next request, on every instance. Needs a live key of an ADMIN member.",
    args: { input: t.arg({ type: UpdateOrganizationKeyPolicyInput, required: true, description: 'The rules to change.' }) },
    resolve: (_root, { input }, context) => updateKeyPolicy(context.db, actorOf(context), input, context.now()),
  }),
);
