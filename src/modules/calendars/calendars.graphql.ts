import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { OUTBOUND_ERRORS_DESCRIPTION } from '../../lib/outbound-http.js';
import { TeamMemberRef } from '../team/team.graphql.js';
import {
  connectCalendar,
  disconnectCalendar,
  findCalendarConnection,
  listCalendarConnections,
  type CalendarConnection,
} from './calendars.service.js';

const CalendarProviderEnum = builder.enumType('CalendarProvider', {
  description: 'Where busy times come from.',
  values: { ICS: { description: 'An iCalendar feed read by its secret URL.' } } as const,
});

const CalendarStatusEnum = builder.enumType('CalendarConnectionStatus', {
  description: 'How the last fetch of the feed went; a feed is fetched again once its snapshot is older than CALENDAR_REFRESH_INTERVAL_MS (a server setting).',
  values: {
    PENDING: { description: 'Not fetched yet.' },
    ACTIVE: { description: 'The last fetch succeeded; its busy times block availability.' },
    ERROR: { description: 'The last fetch failed (see lastError); busy times from the last good fetch still apply.' },
  } as const,
});

/** Metadata only: the feed URL is a credential and has no field, on purpose (a test walks the schema). */
export const CalendarConnectionRef = builder.objectRef<CalendarConnection>('CalendarConnection').implement({
  description: "A team member's connected calendar. Its busy times block availability. The feed URL is never shown.",
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The connection; disconnectCalendar takes it.' }),
    teamMember: t.field({ type: TeamMemberRef, description: 'Whose busy times it holds.', resolve: (connection) => connection.teamMember }),
    provider: t.expose('provider', { type: CalendarProviderEnum, description: 'The kind of calendar.' }),
    host: t.exposeString('host', { description: 'The host name the feed is fetched from, such as calendar.google.com.' }),
    status: t.expose('status', { type: CalendarStatusEnum, description: 'How the last fetch went.' }),
    lastSyncedAt: t.expose('lastSyncedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the feed last fetched and parsed; null: never yet.',
    }),
    lastError: t.exposeString('lastError', { nullable: true, description: `Why the last fetch failed, as a category only: ${OUTBOUND_ERRORS_DESCRIPTION}.` }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was connected.' }),
  }),
});

builder.queryField('calendars', (t) =>
  t.field({
    ...requires('calendars:read'),
    type: [CalendarConnectionRef],
    description: "Connected calendars of the organization's team members, oldest first.",
    args: { teamMemberId: t.arg.id({ required: false, description: "Only this member's calendars." }) },
    resolve: (_root, { teamMemberId }, { db, tenant }) =>
      listCalendarConnections(db, tenant, teamMemberId),
  }),
);

builder.mutationFields((t) => ({
  connectCalendar: t.field({
    ...requires('team:write'),
    type: CalendarConnectionRef,
    description:
      'Connects an iCalendar feed by its secret URL (https and a public host in live mode; webcal:// is read as https). The URL is stored encrypted and never shown again. The feed is fetched once right away: see status and lastError.',
    args: {
      teamMemberId: t.arg.id({ required: true, description: 'The team member whose calendar it is.' }),
      url: t.arg.string({ required: true, description: `The feed's secret address (https://… or webcal://…), at most ${TEXT_LIMITS.url} characters.` }),
    },
    resolve: async (_root, { teamMemberId, url }, { db, tenant, outbound, now }) => {
      const id = await connectCalendar(db, tenant, { teamMemberId, url }, outbound, now());
      await outbound.calendarSync.sync(id);
      return findCalendarConnection(db, tenant, id);
    },
  }),
  disconnectCalendar: t.field({
    ...requires('team:write'),
    type: CalendarConnectionRef,
    description: 'Removes the connection together with its stored URL; its busy times stop applying.',
    args: { id: t.arg.id({ required: true, description: 'The connection.' }) },
    resolve: (_root, { id }, { db, tenant }) => disconnectCalendar(db, tenant, id),
  }),
}));
