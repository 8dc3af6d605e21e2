import { DateTime } from 'luxon';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { findEventType } from '../event-types/event-types.service.js';
import { checkedTimeZone } from '../team/team-input.js';
import { availableSlots } from './availability.service.js';
import { freeBusy, type BusyPeriod, type MemberBusy } from './free-busy.js';
import { MAX_BUSY_PER_MEMBER, MAX_RANGE_DAYS, MAX_SLOTS, requestedRange } from './range.js';
import { BOOKING_HORIZON_DAYS, SLOT_GRANULARITY_MINUTES, type Slot } from './slots.js';

type ViewedSlot = Slot & { timeZone: string };

const localTime = (at: Date, timeZone: string) =>
  DateTime.fromJSDate(at, { zone: timeZone }).toISO({ suppressMilliseconds: true, includeOffset: true })!;

const SlotRef = builder.objectRef<ViewedSlot>('Slot').implement({
  description: 'A bookable start time and the hosts free for it.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime' }),
    localStart: t.string({
      description: 'start in the requested time zone, with its offset (2025-03-30T09:00:00+02:00).',
      resolve: (slot) => localTime(slot.start, slot.timeZone),
    }),
    localEnd: t.string({ resolve: (slot) => localTime(slot.end, slot.timeZone) }),
    availableHosts: t.idList({ description: 'Ids of the hosts free for the slot, sorted.', resolve: (slot) => slot.availableHosts }),
  }),
});

const BusySourceEnum = builder.enumType('BusySource', {
  values: {
    BOOKING: { description: 'A PENDING (hold not lapsed) or CONFIRMED booking, widened by its event type\'s buffers.' },
    CALENDAR: { description: 'A busy event in a connected calendar.' },
  } as const,
});

const BusyIntervalRef = builder.objectRef<BusyPeriod>('BusyInterval').implement({
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime' }),
    source: t.expose('source', { type: BusySourceEnum }),
  }),
});

const MemberBusyRef = builder.objectRef<MemberBusy>('MemberFreeBusy').implement({
  fields: (t) => ({
    teamMemberId: t.exposeID('teamMemberId'),
    busy: t.field({ type: [BusyIntervalRef], resolve: (member) => member.busy }),
  }),
});

builder.queryFields((t) => ({
  availability: t.field({
    ...requires('availability:read'),
    ...rateLimited(...FIELD_LIMITS.availabilityReads),
    type: [SlotRef],
    description:
      `Bookable slots starting within [from, to), at most ${MAX_RANGE_DAYS} days, on a ${SLOT_GRANULARITY_MINUTES}-minute grid, ` +
      `and at most ${BOOKING_HORIZON_DAYS} days from now. ` +
      "Computed from the hosts' working hours in their own zones, buffers, minimum notice, the booking window, " +
      'bookings against capacity and connected calendars. Empty for inactive or deleted event types. ' +
      `At most ${MAX_SLOTS.toLocaleString('en')} slots, the earliest: an answer of exactly that many may go on, so ask again from after its last slot. ` +
      "Costs days of the range (up to the booking window) × the active hosts from the request's host-day budget (3,100 by default), " +
      'refused with QUERY_TOO_COMPLEX before any work beyond it.',
    args: {
      eventTypeId: t.arg.id({ required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      timeZone: t.arg.string({
        defaultValue: 'UTC',
        description: "The viewer's IANA zone: only localStart and localEnd are expressed in it; slots are instants.",
      }),
    },
    resolve: async (_root, args, { db, tenant, now, signal, hostDays, limits }) => {
      const timeZone = checkedTimeZone(args.timeZone ?? 'UTC');
      const range = requestedRange(args.from, args.to);
      const eventType = await findEventType(db, tenant, args.eventTypeId);
      const slots = await limits.computations.run(tenant.organizationId, signal, () =>
        availableSlots(db, tenant, eventType, range, now(), { signal, budget: hostDays }),
      );
      return slots.map((slot) => ({ ...slot, timeZone }));
    },
  }),
  freeBusy: t.field({
    ...requires('availability:read'),
    ...rateLimited(...FIELD_LIMITS.availabilityReads),
    type: [MemberBusyRef],
    description:
      `Busy intervals per team member overlapping [from, to), at most ${MAX_RANGE_DAYS} days; in the order asked. ` +
      `At most ${MAX_BUSY_PER_MEMBER} intervals per member, the earliest. ` +
      "Costs days of the range × the members from the request's host-day budget (3,100 by default), refused with QUERY_TOO_COMPLEX before any work beyond it.",
    args: {
      teamMemberIds: t.arg.idList({ required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
    },
    resolve: (_root, args, { db, tenant, now, signal, hostDays, limits }) => {
      const range = requestedRange(args.from, args.to);
      return limits.computations.run(tenant.organizationId, signal, () =>
        freeBusy(db, tenant, args.teamMemberIds, range, now(), { signal, budget: hostDays }),
      );
    },
  }),
}));
