import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { actorOf } from '../../graphql/context.js';
import { requires, typeRequires } from '../../graphql/requirements.js';
import { KEY_HOLDER_READERS, MemberRoleEnum, ServiceAccountRef } from './member-refs.graphql.js';
import {
  createServiceAccountAs,
  deleteServiceAccountAs,
  listServiceAccountPage,
  serviceAccountCursor,
  updateServiceAccountAs,
} from './service-accounts.service.js';

ServiceAccountRef.implement({
  ...typeRequires(KEY_HOLDER_READERS),
  description:
    "A principal the organization owns, for automation. Its keys are capped by its role and keep working when the member who received their secret leaves.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The service account.' }),
    name: t.exposeString('name', { description: 'What it is for, such as "Billing sync".' }),
    role: t.expose('role', { type: MemberRoleEnum, description: 'Caps every key it owns.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

const ServiceAccountConnection = connectionOf('ServiceAccount', ServiceAccountRef);

const CreateServiceAccountInput = builder.inputType('CreateServiceAccountInput', {
  description: 'A new service account.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What it is for; not unique.' }),
    role: t.field({ type: MemberRoleEnum, required: true, description: 'ADMIN only from a key whose effective role is ADMIN.' }),
  }),
});

const UpdateServiceAccountInput = builder.inputType('UpdateServiceAccountInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    name: t.string({ required: false, description: 'What it is for.' }),
    role: t.field({ type: MemberRoleEnum, required: false, description: "Its keys follow on their next request." }),
  }),
});

builder.queryField('serviceAccounts', (t) =>
  t.field({
    ...requires('members:manage'),
    type: ServiceAccountConnection,
    description: "The organization's service accounts, oldest first (deleted ones are not listed).",
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, principal }) =>
      resolveConnection(args, serviceAccountCursor, (page) => listServiceAccountPage(db, principal.organizationId, page)),
  }),
);

builder.mutationFields((t) => ({
  createServiceAccount: t.field({
    ...requires('members:manage'),
    type: ServiceAccountRef,
    description: 'Live keys only. Give it keys with createApiKey(input: { ownerServiceAccountId }) or transferApiKey.',
    args: { input: t.arg({ type: CreateServiceAccountInput, required: true, description: 'The service account.' }) },
    resolve: (_root, { input }, context) => createServiceAccountAs(context.db, actorOf(context), input, context.now()),
  }),
  updateServiceAccount: t.field({
    ...requires('members:manage'),
    type: ServiceAccountRef,
    description:
      'Live keys only; a key cannot change the role of the service account it acts for. A role that does not manage webhooks pauses the webhooks its keys subscribed.',
    args: {
      id: t.arg.id({ required: true, description: 'The service account.' }),
      input: t.arg({ type: UpdateServiceAccountInput, required: true, description: 'What changes.' }),
    },
    resolve: (_root, { id, input }, context) => updateServiceAccountAs(context.db, actorOf(context), id, input),
  }),
  deleteServiceAccount: t.field({
    ...requires('members:manage'),
    type: ServiceAccountRef,
    description:
      'Revokes every key it owns (each recorded in the audit log), pauses the webhooks its keys subscribed (SUBSCRIBER_DELETED), and lists it no more. Live keys only.',
    args: { id: t.arg.id({ required: true, description: 'The service account.' }) },
    resolve: (_root, { id }, context) => deleteServiceAccountAs(context.db, actorOf(context), id, context.now()),
  }),
}));
