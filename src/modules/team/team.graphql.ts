import type { WorkingHours } from '../../db/schema/team.js';
import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires } from '../../graphql/requirements.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { MAX_CAPACITY, MAX_WINDOWS, MIN_CAPACITY, WEEKDAYS } from './team-input.js';
import {
  createTeamMember,
  deactivateTeamMember,
  findTeamMember,
  listTeamMembers,
  teamMemberCursor,
  updateTeamMember,
  type TeamMember,
} from './team.service.js';

export const WeekdayEnum = builder.enumType('Weekday', {
  description: 'A day of the week, Monday first (ISO 8601).',
  values: Object.fromEntries(WEEKDAYS.map((day) => [day, { description: day[0] + day.slice(1).toLowerCase() + '.' }])) as Record<
    (typeof WEEKDAYS)[number],
    { description: string }
  >,
});

const WorkingHoursRef = builder.objectRef<WorkingHours>('WorkingHours').implement({
  description: "A weekly window in the member's own time zone.",
  fields: (t) => ({
    weekday: t.expose('weekday', { type: WeekdayEnum, description: 'The day it recurs on, in the member\'s time zone.' }),
    start: t.exposeString('start', { description: '"HH:MM", 24-hour.' }),
    end: t.exposeString('end', { description: '"HH:MM", 24-hour; "24:00" is midnight at the end of the day.' }),
  }),
});

export const TeamMemberRef = builder.objectRef<TeamMember>('TeamMember').implement({
  description: 'A person who can be booked (a host).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The team member (a host id).' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    email: t.exposeString('email', {
      ...requires('team:read', 'team:write'),
      nullable: true,
      description:
        'Contact data: needs team:read (or team:write) even where a member appears as the host of an event type, ' +
        'which keys embedded in web pages can read.',
    }),
    timeZone: t.exposeString('timeZone', { description: 'IANA name, such as "Europe/Berlin".' }),
    capacity: t.exposeInt('capacity', { description: 'How many bookings the member can hold at the same moment.' }),
    workingHours: t.field({
      type: [WorkingHoursRef],
      description: 'The weekly windows the member can be booked in, Monday first; empty: never bookable.',
      resolve: (member) => member.workingHours,
    }),
    active: t.exposeBoolean('active', { description: 'Inactive members are offered for no new booking.' }),
  }),
});

const TeamMemberConnection = connectionOf('TeamMember', TeamMemberRef);

const WorkingHoursInput = builder.inputType('WorkingHoursInput', {
  description: "A weekly window in the member's own time zone.",
  fields: (t) => ({
    weekday: t.field({ type: WeekdayEnum, required: true, description: 'The day it recurs on.' }),
    start: t.string({ required: true, description: '"HH:MM", 24-hour, 00:00 to 23:59.' }),
    end: t.string({ required: true, description: '"HH:MM", later than start; "24:00" for midnight.' }),
  }),
});

const workingHoursDescription = `The whole week's windows, at most ${MAX_WINDOWS}; a window cannot cross midnight and windows of one day may not overlap.`;
const NAME = `1 to ${TEXT_LIMITS.name} characters after trimming.`;
const EMAIL = `An email address, at most ${TEXT_LIMITS.email} characters, stored lower-cased; unique within the organization (per live/test world).`;
const TIME_ZONE = 'IANA name, such as "America/New_York"; working hours are read in it.';
const CAPACITY = `How many bookings the member can hold at the same moment, ${MIN_CAPACITY} to ${MAX_CAPACITY}.`;

const CreateTeamMemberInput = builder.inputType('CreateTeamMemberInput', {
  description: 'A new, active team member.',
  fields: (t) => ({
    name: t.string({ required: true, description: NAME }),
    email: t.string({ required: true, description: EMAIL }),
    timeZone: t.string({ required: true, description: TIME_ZONE }),
    capacity: t.int({ required: false, description: `${CAPACITY} 1 when omitted.` }),
    workingHours: t.field({ type: [WorkingHoursInput], required: false, description: `${workingHoursDescription} Omitted: none.` }),
  }),
});

const UpdateTeamMemberInput = builder.inputType('UpdateTeamMemberInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    name: t.string({ required: false, description: NAME }),
    email: t.string({ required: false, description: EMAIL }),
    timeZone: t.string({ required: false, description: TIME_ZONE }),
    capacity: t.int({ required: false, description: CAPACITY }),
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
    description: "One team member, inactive ones included; NOT_FOUND for an id outside this organization's live or test data (the key's).",
    args: { id: t.arg.id({ required: true, description: 'The team member.' }) },
    resolve: (_root, { id }, { db, tenant }) => findTeamMember(db, tenant, id),
  }),
}));

builder.mutationFields((t) => ({
  createTeamMember: t.field({
    ...requires('team:write'),
    type: TeamMemberRef,
    description: 'Adds a person who can be booked.',
    args: { input: t.arg({ type: CreateTeamMemberInput, required: true, description: 'The new member.' }) },
    resolve: (_root, { input }, { db, tenant, now }) => createTeamMember(db, tenant, input, now()),
  }),
  updateTeamMember: t.field({
    ...requires('team:write'),
    type: TeamMemberRef,
    description: 'Changes only the fields given.',
    args: {
      id: t.arg.id({ required: true, description: 'The team member.' }),
      input: t.arg({ type: UpdateTeamMemberInput, required: true, description: 'What changes.' }),
    },
    resolve: (_root, { id, input }, { db, tenant, now }) =>
      updateTeamMember(db, tenant, id, input, now()),
  }),
  deactivateTeamMember: t.field({
    ...requires('team:write'),
    type: TeamMemberRef,
    description: 'Keeps the member and their bookings on record; they are offered for no new booking.',
    args: { id: t.arg.id({ required: true, description: 'The team member.' }) },
    resolve: (_root, { id }, { db, tenant, now }) => deactivateTeamMember(db, tenant, id, now()),
  }),
}));
