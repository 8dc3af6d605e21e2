import { DateTime } from 'luxon';
import { builder } from '../../graphql/builder.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import { findEventType } from '../event-types/event-types.service.js';
import { checkedTimeZone } from '../team/team-input.js';
import { availableSlots } from './availability.service.js';
import { freeBusy, MAX_MEMBERS, type BusyPeriod, type MemberBusy } from './free-busy.js';
import { MAX_BUSY_PER_MEMBER, MAX_RANGE_DAYS, MAX_SLOTS, requestedRange } from './range.js';
import { BOOKING_HORIZON_DAYS, SLOT_GRANULARITY_MINUTES, type Slot } from './slots.js';

type ViewedSlot = Slot & { timeZone: string };

const localTime = (at: Date, timeZone: string) =>
  DateTime.fromJSDate(at, { zone: timeZone }).toISO({ suppressMilliseconds: true, includeOffset: true })!;

const SlotRef = builder.objectRef<ViewedSlot>('Slot').implement({
  description: 'A bookable start time and the hosts free for it.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'When the meeting would start; pass it as createBooking startAt.' }),
    end: t.expose('end', { type: 'DateTime', description: 'start plus the event type\'s duration.' }),
    localStart: t.string({
      description: 'start in the requested time zone, with its offset (2025-03-30T09:00:00+02:00).',
      resolve: (slot) => localTime(slot.start, slot.timeZone),
    }),
    localEnd: t.string({
      description: 'end in the requested time zone, with its offset.',
      resolve: (slot) => localTime(slot.end, slot.timeZone),
    }),
    availableHosts: t.idList({ description: 'Ids of the hosts free for the slot, sorted.', resolve: (slot) => slot.availableHosts }),
  }),
});

const BusySourceEnum = builder.enumType('BusySource', {
  description: 'What makes a member busy.',
  values: {
    BOOKING: { description: 'A PENDING (hold not lapsed) or CONFIRMED booking, widened by its event type\'s buffers.' },
    CALENDAR: { description: 'A busy event in a connected calendar.' },
  } as const,
});

const BusyIntervalRef = builder.objectRef<BusyPeriod>('BusyInterval').implement({
  description: 'A time [start, end) a member is busy. A member with capacity above 1 may still be bookable then.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start, inclusive.' }),
    end: t.expose('end', { type: 'DateTime', description: 'End, exclusive.' }),
    source: t.expose('source', { type: BusySourceEnum, description: 'A booking or a connected calendar.' }),
  }),
});

const MemberBusyRef = builder.objectRef<MemberBusy>('MemberFreeBusy').implement({
  description: "One team member's busy times.",
  fields: (t) => ({
    teamMemberId: t.exposeID('teamMemberId', { description: 'The team member, as asked.' }),
    busy: t.field({
      type: [BusyIntervalRef],
      description: `In time order; at most ${MAX_BUSY_PER_MEMBER}, the earliest.`,
      resolve: (member) => member.busy,
    }),
  }),
});

const FROM = 'Start of the range, inclusive.';
const TO = `End of the range, exclusive: later than from, at most ${MAX_RANGE_DAYS} days after it.`;

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
      eventTypeId: t.arg.id({ required: true, description: 'The event type to book.' }),
      from: t.arg({ type: 'DateTime', required: true, description: FROM }),
      to: t.arg({ type: 'DateTime', required: true, description: TO }),
      timeZone: t.arg.string({
        defaultValue: 'UTC',
        description: "The viewer's IANA zone: only localStart and localEnd are expressed in it; slots are instants.",
      }),
    },
    resolve: async (_root, args, { db, tenant, now, deadline, hostDays, limits }) => {
      const { signal } = deadline;
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
      teamMemberIds: t.arg.idList({ required: true, description: `1 to ${MAX_MEMBERS} team members (repeats counted once).` }),
      from: t.arg({ type: 'DateTime', required: true, description: FROM }),
      to: t.arg({ type: 'DateTime', required: true, description: TO }),
    },
    resolve: (_root, args, { db, tenant, now, deadline, hostDays, limits }) => {
      const { signal } = deadline;
      const range = requestedRange(args.from, args.to);
      return limits.computations.run(tenant.organizationId, signal, () =>
        freeBusy(db, tenant, args.teamMemberIds, range, now(), { signal, budget: hostDays }),
      );
    },
  }),
}));
