import type { Executor } from '../../db/client.js';
import type { Weekday } from '../../db/schema/team.js';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { BookingStatusEnum } from '../bookings/bookings.graphql.js';
import { EventTypeRef } from '../event-types/event-types.graphql.js';
import { TeamMemberRef, WeekdayEnum } from '../team/team.graphql.js';
import {
  analyticsWindow,
  apiRequestsPerKey,
  bookingsByStatus,
  bookingsPerEventType,
  bookingsPerHost,
  busiest,
  busyTimes,
  MAX_ANALYTICS_DAYS,
  ratio,
  type AnalyticsWindow,
  type BookingStatus,
  type KeyRequests,
} from './analytics.service.js';

/** Several fields read the same aggregate; one query per `analytics` answer serves them all. */
function oncePerWindow<T>(load: (db: Executor, window: AnalyticsWindow) => Promise<T>) {
  const results = new WeakMap<AnalyticsWindow, Promise<T>>();
  return (db: Executor, window: AnalyticsWindow): Promise<T> => {
    let result = results.get(window);
    if (!result) results.set(window, (result = load(db, window)));
    return result;
  };
}

const statusCounts = oncePerWindow(bookingsByStatus);
const timesOfDay = oncePerWindow(busyTimes);

type EventTypeCount = Awaited<ReturnType<typeof bookingsPerEventType>>[number];
type HostCount = Awaited<ReturnType<typeof bookingsPerHost>>[number];

const COUNT = 'Bookings starting within the period.';

const StatusCountRef = builder.objectRef<{ status: BookingStatus; count: number }>('BookingStatusCount').implement({
  description: 'Bookings in one status.',
  fields: (t) => ({
    status: t.expose('status', { type: BookingStatusEnum, description: 'The status now.' }),
    count: t.exposeInt('count', { description: COUNT }),
  }),
});

const EventTypeCountRef = builder.objectRef<EventTypeCount>('EventTypeBookingCount').implement({
  description: 'Bookings of one event type.',
  fields: (t) => ({
    eventType: t.field({ type: EventTypeRef, description: 'The event type, deleted or not.', resolve: (row) => row.eventType }),
    count: t.exposeInt('count', { description: COUNT }),
  }),
});

const HostCountRef = builder.objectRef<HostCount>('HostBookingCount').implement({
  description: 'Bookings with one host.',
  fields: (t) => ({
    host: t.field({ type: TeamMemberRef, description: 'The team member booked.', resolve: (row) => row.host }),
    count: t.exposeInt('count', { description: COUNT }),
  }),
});

const WeekdayCountRef = builder.objectRef<{ weekday: Weekday; count: number }>('WeekdayBookingCount').implement({
  description: 'Bookings starting on one weekday.',
  fields: (t) => ({
    weekday: t.expose('weekday', { type: WeekdayEnum, description: 'In the requested time zone.' }),
    count: t.exposeInt('count', { description: 'Bookings starting on that weekday; cancelled and expired ones left out.' }),
  }),
});

const HourCountRef = builder.objectRef<{ hour: number; count: number }>('HourBookingCount').implement({
  description: 'Bookings starting in one hour of the day.',
  fields: (t) => ({
    hour: t.exposeInt('hour', { description: '0 to 23, in the requested time zone.' }),
    count: t.exposeInt('count', { description: 'Bookings starting in that hour; cancelled and expired ones left out.' }),
  }),
});

const KeyRequestsRef = builder.objectRef<KeyRequests>('ApiKeyRequestCount').implement({
  description: 'Requests one key made; the key is named, its scopes and secret preview are not shown (that needs keys:read).',
  fields: (t) => ({
    apiKeyId: t.exposeID('apiKeyId', { description: 'The key.' }),
    name: t.exposeString('name', { nullable: true, description: "The key's name; null only when its record cannot be found." }),
    requests: t.exposeInt('requests', { description: 'GraphQL requests made within the period, refused ones included.' }),
    denied: t.exposeInt('denied', { description: 'Requests refused for a missing scope.' }),
    errors: t.exposeInt('errors', { description: 'Requests answered with another error.' }),
  }),
});

/** Each field runs its own aggregate, so a client pays only for the figures it asks for. */
const AnalyticsRef = builder.objectRef<AnalyticsWindow>('Analytics').implement({
  description: 'Booking figures count bookings that start within [from, to); API figures count requests made within it.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'Start of the period, inclusive, as asked.' }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the period, exclusive, as asked.' }),
    timeZone: t.exposeString('timeZone', { description: 'The requested time zone, by its canonical IANA name.' }),
    totalBookings: t.int({
      description: 'Bookings starting within the period, every status.',
      resolve: async (window, _args, { db }) => [...(await statusCounts(db, window)).values()].reduce((a, b) => a + b, 0),
    }),
    bookingsByStatus: t.field({
      type: [StatusCountRef],
      description: 'Every status, zeros included.',
      resolve: async (window, _args, { db }) => [...(await statusCounts(db, window))].map(([status, count]) => ({ status, count })),
    }),
    cancellationRate: t.float({
      nullable: true,
      description: 'Cancelled bookings / all bookings; null when there are none.',
      resolve: async (window, _args, { db }) => {
        const counts = await statusCounts(db, window);
        return ratio(counts.get('CANCELLED')!, [...counts.values()].reduce((a, b) => a + b, 0));
      },
    }),
    noShowRate: t.float({
      nullable: true,
      description: 'No-shows / meetings that took place or were missed (COMPLETED + NO_SHOW); null when there are none.',
      resolve: async (window, _args, { db }) => {
        const counts = await statusCounts(db, window);
        return ratio(counts.get('NO_SHOW')!, counts.get('NO_SHOW')! + counts.get('COMPLETED')!);
      },
    }),
    bookingsPerEventType: t.field({
      type: [EventTypeCountRef],
      description: 'Most booked first; deleted event types included.',
      resolve: (window, _args, { db }) => bookingsPerEventType(db, window),
    }),
    bookingsPerHost: t.field({
      type: [HostCountRef],
      description: 'Most booked first.',
      resolve: (window, _args, { db }) => bookingsPerHost(db, window),
    }),
    bookingsByWeekday: t.field({
      type: [WeekdayCountRef],
      description: 'Monday to Sunday in the requested time zone; cancelled and expired bookings left out.',
      resolve: async (window, _args, { db }) => (await timesOfDay(db, window)).byWeekday,
    }),
    bookingsByHour: t.field({
      type: [HourCountRef],
      description: 'Hours 0 to 23 in the requested time zone; cancelled and expired bookings left out.',
      resolve: async (window, _args, { db }) => (await timesOfDay(db, window)).byHour,
    }),
    busiestWeekday: t.field({
      type: WeekdayEnum,
      nullable: true,
      description: 'The weekday (requested time zone) on which the most bookings start; null when there are none.',
      resolve: async (window, _args, { db }) => busiest((await timesOfDay(db, window)).byWeekday)?.weekday ?? null,
    }),
    busiestHour: t.int({
      nullable: true,
      description: 'The hour (0 to 23, requested time zone) in which the most bookings start; null when there are none.',
      resolve: async (window, _args, { db }) => busiest((await timesOfDay(db, window)).byHour)?.hour ?? null,
    }),
    apiRequestsPerKey: t.field({
      type: [KeyRequestsRef],
      description: 'GraphQL requests per key, most active first (request audit records are written within about a second).',
      resolve: (window, _args, { db }) => apiRequestsPerKey(db, window),
    }),
  }),
});

builder.queryField('analytics', (t) =>
  t.field({
    ...requires('analytics:read'),
    type: AnalyticsRef,
    description: `Booking and API usage figures for a period of at most ${MAX_ANALYTICS_DAYS} days.`,
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'Start of the period, inclusive.' }),
      to: t.arg({ type: 'DateTime', required: true, description: `End of the period, exclusive: later than from, at most ${MAX_ANALYTICS_DAYS} days after it.` }),
      timeZone: t.arg.string({ required: true, description: 'IANA name; weekdays and hours are read on its wall clock.' }),
    },
    resolve: (_root, args, { tenant }) => analyticsWindow(tenant, args.from, args.to, args.timeZone),
  }),
);
