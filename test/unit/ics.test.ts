import { describe, expect, it } from 'vitest';
import { busyIntervals, FeedFormatError, parseSnapshot, reduceFeed } from '../../src/modules/calendars/ics.js';

const feed = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events, 'END:VCALENDAR'].join('\r\n') + '\r\n';

const berlinZone = [
  'BEGIN:VTIMEZONE',
  'TZID:Custom/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

function busy(text: string, from: string, to: string, memberZone = 'UTC') {
  return busyIntervals(parseSnapshot(reduceFeed(text)), new Date(from), new Date(to), memberZone).map((i) => [
    i.start.toISOString(),
    i.end.toISOString(),
  ]);
}

describe('ICS feeds', () => {
  it('keeps times and drops titles, descriptions and attendees', () => {
    const reduced = reduceFeed(
      feed('BEGIN:VEVENT', 'UID:1', 'SUMMARY:Board meeting', 'DESCRIPTION:Layoffs', 'ATTENDEE:mailto:ceo@example.com', 'DTSTART:20300107T100000Z', 'DTEND:20300107T110000Z', 'END:VEVENT'),
    );
    expect(reduced).toContain('DTSTART:20300107T100000Z');
    expect(reduced).toContain('DTEND:20300107T110000Z');
    expect(reduced).not.toMatch(/Board|Layoffs|ceo@/);
  });

  it('refuses what is not a calendar', () => {
    expect(() => reduceFeed('<html>login</html>')).toThrow(FeedFormatError);
  });

  it('expands a weekly rule within the window, minus its exceptions and excluded dates', () => {
    const text = feed(
      'BEGIN:VEVENT',
      'UID:weekly',
      'DTSTART:20300107T090000Z',
      'DTEND:20300107T100000Z',
      'RRULE:FREQ=WEEKLY;COUNT=10',
      'EXDATE:20300121T090000Z',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:weekly',
      'RECURRENCE-ID:20300114T090000Z',
      'DTSTART:20300114T150000Z',
      'DTEND:20300114T160000Z',
      'END:VEVENT',
    );
    expect(busy(text, '2030-01-10T00:00:00Z', '2030-01-31T00:00:00Z')).toEqual([
      ['2030-01-14T15:00:00.000Z', '2030-01-14T16:00:00.000Z'],
      ['2030-01-28T09:00:00.000Z', '2030-01-28T10:00:00.000Z'],
    ]);
  });

  it('ignores transparent ("free") and cancelled events', () => {
    const text = feed(
      'BEGIN:VEVENT', 'UID:free', 'TRANSP:TRANSPARENT', 'DTSTART:20300107T090000Z', 'DTEND:20300107T100000Z', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:off', 'STATUS:CANCELLED', 'DTSTART:20300107T110000Z', 'DTEND:20300107T120000Z', 'END:VEVENT',
    );
    expect(busy(text, '2030-01-07T00:00:00Z', '2030-01-08T00:00:00Z')).toEqual([]);
  });

  it("reads all-day events as whole days in the member's zone", () => {
    const text = feed('BEGIN:VEVENT', 'UID:holiday', 'DTSTART;VALUE=DATE:20300107', 'DTEND;VALUE=DATE:20300108', 'END:VEVENT');
    expect(busy(text, '2030-01-01T00:00:00Z', '2030-02-01T00:00:00Z', 'America/New_York')).toEqual([
      ['2030-01-07T05:00:00.000Z', '2030-01-08T05:00:00.000Z'],
    ]);
  });

  it('uses the VTIMEZONE a time refers to, across daylight saving time', () => {
    const text = feed(
      berlinZone,
      'BEGIN:VEVENT',
      'UID:standup',
      'DTSTART;TZID=Custom/Berlin:20300322T090000',
      'DTEND;TZID=Custom/Berlin:20300322T093000',
      'RRULE:FREQ=WEEKLY;COUNT=3',
      'END:VEVENT',
    );
    expect(busy(text, '2030-03-20T00:00:00Z', '2030-04-10T00:00:00Z')).toEqual([
      ['2030-03-22T08:00:00.000Z', '2030-03-22T08:30:00.000Z'],
      ['2030-03-29T08:00:00.000Z', '2030-03-29T08:30:00.000Z'],
      // Summer time starts on Sunday 31 March 2030: same wall clock, an hour earlier in UTC.
      ['2030-04-05T07:00:00.000Z', '2030-04-05T07:30:00.000Z'],
    ]);
  });

  it('reads a bare IANA TZID without a VTIMEZONE', () => {
    const text = feed('BEGIN:VEVENT', 'UID:tokyo', 'DTSTART;TZID=Asia/Tokyo:20300107T090000', 'DTEND;TZID=Asia/Tokyo:20300107T100000', 'END:VEVENT');
    expect(busy(text, '2030-01-06T00:00:00Z', '2030-01-08T00:00:00Z')).toEqual([['2030-01-07T00:00:00.000Z', '2030-01-07T01:00:00.000Z']]);
  });
});
