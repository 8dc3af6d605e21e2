import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { actorOf } from '../../graphql/context.js';
import { requires, typeRequires } from '../../graphql/requirements.js';
import { KEY_HOLDER_READERS, MemberRef, MemberRoleEnum } from './member-refs.graphql.js';
import { addMemberAs, findMemberIn, listMemberPage, memberCursor, updateMemberAs } from './members.service.js';

MemberRef.implement({
  // A person's email and role: for those who manage keys or people, never for a key embedded in a web page.
  ...typeRequires(KEY_HOLDER_READERS),
  description: 'A person in an organization. Keys act on behalf of the member (or service account) who owns them.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The member.' }),
    email: t.exposeString('email', { description: 'Unique within the organization.' }),
    name: t.exposeString('name', { nullable: true, description: 'Display name; null when none was given.' }),
    role: t.expose('role', { type: MemberRoleEnum, description: 'Bounds what every key they own or received can do.' }),
    active: t.exposeBoolean('active', {
      description: "A deactivated member's keys, and every secret they received for another member's key, are refused.",
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the member was added.' }),
  }),
});

const MemberConnection = connectionOf('Member', MemberRef);

const AddMemberInput = builder.inputType('AddMemberInput', {
  description: 'A person to add to the organization.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'Unique within the organization.' }),
    name: t.string({ required: false, description: 'Display name; optional.' }),
    role: t.field({ type: MemberRoleEnum, required: true, description: 'ADMIN only from a key whose effective role is ADMIN.' }),
  }),
});

const UpdateMemberInput = builder.inputType('UpdateMemberInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    role: t.field({ type: MemberRoleEnum, required: false, description: 'ADMIN only from a key whose effective role is ADMIN; their keys follow on their next request.' }),
    active: t.boolean({ required: false, description: 'false deactivates the member; true reactivates them.' }),
  }),
});

builder.queryFields((t) => ({
  members: t.field({
    ...requires('members:read'),
    type: MemberConnection,
    description: "The organization's members, oldest first, deactivated ones included.",
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, principal }) =>
      resolveConnection(args, memberCursor, (page) => listMemberPage(db, principal.organizationId, page)),
  }),
  member: t.field({
    ...requires('members:read'),
    type: MemberRef,
    description: 'One member of the organization; NOT_FOUND for another organization\'s.',
    args: { id: t.arg.id({ required: true, description: 'The member.' }) },
    resolve: (_root, { id }, { db, principal }) => findMemberIn(db, principal.organizationId, id),
  }),
}));

builder.mutationFields((t) => ({
  addMember: t.field({
    ...requires('members:manage'),
    type: MemberRef,
    description: 'Adds a person to the organization (live keys only). They get keys from an admin or an operator.',
    args: { input: t.arg({ type: AddMemberInput, required: true, description: 'The person.' }) },
    resolve: (_root, { input }, context) => addMemberAs(context.db, actorOf(context), input, context.now()),
  }),
  updateMember: t.field({
    ...requires('members:manage'),
    type: MemberRef,
    description:
      "Changes a member's role or activity (live keys only); every key they own or received follows on its next request. " +
      "Refused for the organization's last active admin and for the member the calling key acts for.",
    args: {
      id: t.arg.id({ required: true, description: 'The member.' }),
      input: t.arg({ type: UpdateMemberInput, required: true, description: 'What changes.' }),
    },
    resolve: (_root, { id, input }, context) =>
      updateMemberAs(context.db, actorOf(context), id, {
        ...(input.role == null ? {} : { role: input.role }),
        ...(input.active == null ? {} : { active: input.active }),
      }),
  }),
}));
