import type { WorkingHours } from '../../db/schema/team.js';
import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires } from '../../graphql/requirements.js';
import { MAX_CAPACITY, WEEKDAYS } from './team-input.js';
import {
  createTeamMember,
  deactivateTeamMember,
  findTeamMember,
  listTeamMembers,
  teamMemberCursor,
  updateTeamMember,
  type TeamMember,
} from './team.service.js';

export const WeekdayEnum = builder.enumType('Weekday', { values: WEEKDAYS });

const WorkingHoursRef = builder.objectRef<WorkingHours>('WorkingHours').implement({
  description: "A weekly window in the member's own time zone.",
  fields: (t) => ({
    weekday: t.expose('weekday', { type: WeekdayEnum }),
    start: t.exposeString('start', { description: '"HH:MM", 24-hour.' }),
    end: t.exposeString('end', { description: '"HH:MM", 24-hour; "24:00" is midnight at the end of the day.' }),
  }),
});

export const TeamMemberRef = builder.objectRef<TeamMember>('TeamMember').implement({
  description: 'A person who can be booked (a host).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    email: t.exposeString('email', {
      ...requires('team:read', 'team:write'),
      nullable: true,
      description:
        'Contact data: needs team:read (or team:write) even where a member appears as the host of an event type, ' +
        'which keys embedded in web pages can read.',
    }),
    timeZone: t.exposeString('timeZone', { description: 'IANA name, such as "Europe/Berlin".' }),
    capacity: t.exposeInt('capacity', { description: 'How many bookings the member can hold at the same moment.' }),
    workingHours: t.field({ type: [WorkingHoursRef], resolve: (member) => member.workingHours }),
    active: t.exposeBoolean('active', { description: 'Inactive members are offered for no new booking.' }),
  }),
});

const TeamMemberConnection = connectionOf('TeamMember', TeamMemberRef);

const WorkingHoursInput = builder.inputType('WorkingHoursInput', {
  fields: (t) => ({
    weekday: t.field({ type: WeekdayEnum, required: true }),
    start: t.string({ required: true, description: '"HH:MM", 24-hour, 00:00 to 23:59.' }),
    end: t.string({ required: true, description: '"HH:MM", later than start; "24:00" for midnight.' }),
  }),
});

const workingHoursDescription = "The whole week's windows; a window cannot cross midnight and windows of one day may not overlap.";

const CreateTeamMemberInput = builder.inputType('CreateTeamMemberInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    email: t.string({ required: true, description: 'Unique within the organization (per live/test world).' }),
    timeZone: t.string({ required: true, description: 'IANA name, such as "America/New_York".' }),
    capacity: t.int({ required: false, description: `1 to ${MAX_CAPACITY}; 1 when omitted.` }),
    workingHours: t.field({ type: [WorkingHoursInput], required: false, description: workingHoursDescription }),
  }),
});

const UpdateTeamMemberInput = builder.inputType('UpdateTeamMemberInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    email: t.string({ required: false }),
    timeZone: t.string({ required: false }),
    capacity: t.int({ required: false }),
    workingHours: t.field({ type: [WorkingHoursInput], required: false, description: `Replaces the week. ${workingHoursDescription}` }),
    active: t.boolean({ required: false, description: 'true reactivates a deactivated member.' }),
  }),
});

builder.queryFields((t) => ({
  teamMembers: t.field({
    ...requires('team:read'),
    type: TeamMemberConnection,
    description: 'Oldest first, inactive members included.',
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, tenant }) =>
      resolveConnection(args, teamMemberCursor, (page) => listTeamMembers(db, tenant, page)),
  }),
  teamMember: t.field({
    ...requires('team:read'),
    type: TeamMemberRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant }) => findTeamMember(db, tenant, id),
  }),
}));

builder.mutationFields((t) => ({
  createTeamMember: t.field({
    ...requires('team:write'),
    type: TeamMemberRef,
    args: { input: t.arg({ type: CreateTeamMemberInput, required: true }) },
    resolve: (_root, { input }, { db, tenant, now }) => createTeamMember(db, tenant, input, now()),
  }),
  updateTeamMember: t.field({
    ...requires('team:write'),
    type: TeamMemberRef,
    description: 'Changes only the fields given.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTeamMemberInput, required: true }) },
    resolve: (_root, { id, input }, { db, tenant, now }) =>
      updateTeamMember(db, tenant, id, input, now()),
  }),
  deactivateTeamMember: t.field({
    ...requires('team:write'),
    type: TeamMemberRef,
    description: 'Keeps the member and their bookings on record; they are offered for no new booking.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, tenant, now }) => deactivateTeamMember(db, tenant, id, now()),
  }),
}));
