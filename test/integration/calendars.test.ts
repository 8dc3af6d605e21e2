import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { createEventType, createTeamMember, errorCode } from '../helpers/scheduling.js';

const ics = (...events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events.flatMap((e) => ['BEGIN:VEVENT', ...e, 'END:VEVENT']), 'END:VCALENDAR'].join('\r\n');

// Monday 7 January 2030; the member works 09:00-17:00 UTC.
const MONDAY = '2030-01-07';
const dentist = ['UID:dentist', 'SUMMARY:Dentist', `DTSTART:20300107T100000Z`, `DTEND:20300107T110000Z`];

const CONNECT = `mutation ($member: ID!, $url: String!) {
  connectCalendar(teamMemberId: $member, url: $url) { id provider host status lastSyncedAt lastError teamMember { id } }
}`;
const FREE_BUSY = `query ($ids: [ID!]!, $from: DateTime!, $to: DateTime!) {
  freeBusy(teamMemberIds: $ids, from: $from, to: $to) { teamMemberId busy { start end source } }
}`;
const CALENDARS = '{ calendars { id provider host status lastSyncedAt lastError teamMember { id } } }';

describeIntegration('calendar feeds', { env: { CALENDAR_REFRESH_INTERVAL_MS: '0', CALENDAR_FETCH_TIMEOUT_MS: '300', WEBHOOK_POLL_INTERVAL_MS: '0' } }, (harness) => {
  let feeds: LocalServer;
  let org: TestOrganization;
  /** What each feed path serves; a missing path answers 404. */
  const served = new Map<string, string>();

  beforeAll(async () => {
    harness.clock = new Date('2030-01-01T00:00:00Z');
    feeds = await LocalServer.start();
    feeds.reply = (request) => {
      const body = served.get(request.path);
      return body === undefined ? { status: 404 } : { status: 200, body, headers: { 'content-type': 'text/calendar' } };
    };
    org = await harness.organization('TEST');
  });
  afterAll(async () => {
    await feeds.close();
  });
  afterEach(() => served.clear());

  async function memberWithFeed(path: string, ...events: string[][]) {
    served.set(path, ics(...events));
    const member = await createTeamMember(harness, org.adminKey);
    const response = await harness.request(CONNECT, { key: org.adminKey, variables: { member: member.id, url: feeds.url(path) } });
    expect(response.body.errors).toBeUndefined();
    return { member, connection: response.body.data!.connectCalendar };
  }

  async function calendarBusy(memberId: string, from = `${MONDAY}T00:00:00Z`, to = `${MONDAY}T23:59:00Z`) {
    const response = await harness.request(FREE_BUSY, { key: org.adminKey, variables: { ids: [memberId], from, to } });
    expect(response.body.errors).toBeUndefined();
    return (response.body.data!.freeBusy[0].busy as any[]).filter((b) => b.source === 'CALENDAR').map((b) => [b.start, b.end]);
  }

  it('fetches a connected feed at once and shows only metadata', async () => {
    const { member, connection } = await memberWithFeed('/feeds/metadata.ics', dentist);
    expect(connection).toEqual({
      id: expect.stringMatching(/^cal_/),
      provider: 'ICS',
      host: '127.0.0.1',
      status: 'ACTIVE',
      lastSyncedAt: harness.clock.toISOString(),
      lastError: null,
      teamMember: { id: member.id },
    });
    const listed = await harness.request(CALENDARS, { key: org.adminKey });
    expect(listed.body.data!.calendars).toContainEqual(connection);
  });

  it("blocks the member's availability with the feed's busy events", async () => {
    const { member } = await memberWithFeed('/feeds/blocks.ics', dentist);
    expect(await calendarBusy(member.id)).toEqual([['2030-01-07T10:00:00.000Z', '2030-01-07T11:00:00.000Z']]);

    const eventType = await createEventType(harness, org.adminKey, { durationMinutes: 30, hostIds: [member.id] });
    const slots = await harness.request(
      'query ($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start } }',
      { key: org.adminKey, variables: { id: eventType.id, from: `${MONDAY}T09:00:00Z`, to: `${MONDAY}T12:00:00Z` } },
    );
    expect(slots.body.errors).toBeUndefined();
    const starts = (slots.body.data!.availability as { start: string }[]).map((slot) => slot.start.slice(11, 16));
    expect(starts).toContain('09:30');
    expect(starts).toContain('11:00');
    expect(starts.filter((start) => start >= '09:45' && start < '11:00')).toEqual([]);
  });

  it('expands recurring events in the range and ignores events marked free', async () => {
    const { member } = await memberWithFeed(
      '/feeds/recurring.ics',
      ['UID:standup', 'DTSTART:20291231T090000Z', 'DTEND:20291231T091500Z', 'RRULE:FREQ=DAILY;COUNT=30'],
      ['UID:focus', 'TRANSP:TRANSPARENT', 'DTSTART:20300107T130000Z', 'DTEND:20300107T150000Z'],
    );
    expect(await calendarBusy(member.id)).toEqual([['2030-01-07T09:00:00.000Z', '2030-01-07T09:15:00.000Z']]);
  });

  it('picks up a changed feed on the next refresh', async () => {
    const { member } = await memberWithFeed('/feeds/changes.ics', dentist);
    served.set('/feeds/changes.ics', ics(['UID:moved', 'DTSTART:20300107T140000Z', 'DTEND:20300107T143000Z']));
    // Same clock reading as the first fetch: what changed is the content, and that is enough.
    await harness.app.calendars.refreshStale();
    expect(await calendarBusy(member.id)).toEqual([['2030-01-07T14:00:00.000Z', '2030-01-07T14:30:00.000Z']]);
  });

  it('records a failing feed on its connection while availability keeps working', async () => {
    const { member, connection } = await memberWithFeed('/feeds/flaky.ics', dentist);
    const statusOf = async () =>
      (await harness.request(CALENDARS, { key: org.adminKey })).body.data!.calendars.find((c: any) => c.id === connection.id);

    served.delete('/feeds/flaky.ics');
    await harness.app.calendars.refreshStale();
    expect(await statusOf()).toMatchObject({ status: 'ERROR', lastError: 'http_error', lastSyncedAt: connection.lastSyncedAt });
    // The last good fetch still counts, so a broken feed does not suddenly free up the day.
    expect(await calendarBusy(member.id)).toEqual([['2030-01-07T10:00:00.000Z', '2030-01-07T11:00:00.000Z']]);

    served.set('/feeds/flaky.ics', '<html>Please log in</html>');
    await harness.app.calendars.refreshStale();
    expect(await statusOf()).toMatchObject({ status: 'ERROR', lastError: 'invalid_feed' });

    const reply = feeds.reply;
    feeds.reply = (request) => (request.path === '/feeds/flaky.ics' ? 'hang' : reply(request));
    try {
      await harness.app.calendars.refreshStale();
      expect(await statusOf()).toMatchObject({ status: 'ERROR', lastError: 'timeout' });
    } finally {
      feeds.reply = reply;
    }

    served.set('/feeds/flaky.ics', ics(dentist));
    harness.advance(60_000);
    await harness.app.calendars.refreshStale();
    expect(await statusOf()).toMatchObject({ status: 'ACTIVE', lastError: null, lastSyncedAt: harness.clock.toISOString() });
  });

  it('connects a feed that fails right away, reporting why', async () => {
    const member = await createTeamMember(harness, org.adminKey);
    const response = await harness.request(CONNECT, { key: org.adminKey, variables: { member: member.id, url: feeds.url('/feeds/missing.ics') } });
    expect(response.body.data!.connectCalendar).toMatchObject({ status: 'ERROR', lastError: 'http_error', lastSyncedAt: null });
    expect(await calendarBusy(member.id)).toEqual([]);
  });

  it('stops blocking time once disconnected', async () => {
    const { member, connection } = await memberWithFeed('/feeds/leaving.ics', dentist);
    const response = await harness.request('mutation ($id: ID!) { disconnectCalendar(id: $id) { id } }', {
      key: org.adminKey,
      variables: { id: connection.id },
    });
    expect(response.body.data!.disconnectCalendar.id).toBe(connection.id);
    expect(await calendarBusy(member.id)).toEqual([]);
    expect(await harness.database.query(`select id from calendar_connections where id = '${connection.id}'`)).toEqual([]);
  });

  it('refuses feed URLs that point inside the network', async () => {
    const member = await createTeamMember(harness, org.adminKey);
    for (const url of ['http://10.0.0.8/cal.ics', 'http://169.254.169.254/latest/meta-data/', 'ftp://127.0.0.1/cal.ics']) {
      const response = await harness.request(CONNECT, { key: org.adminKey, variables: { member: member.id, url } });
      expect(errorCode(response), url).toBe('BAD_USER_INPUT');
      expect(response.body.errors![0]!.extensions.field).toBe('url');
    }
    const live = await harness.organization('LIVE');
    const liveMember = await createTeamMember(harness, live.adminKey);
    for (const url of [feeds.url('/feeds/x.ics'), 'https://127.0.0.1/cal.ics', 'https://localhost/cal.ics', 'http://calendar.example.com/x.ics']) {
      const response = await harness.request(CONNECT, { key: live.adminKey, variables: { member: liveMember.id, url } });
      expect(errorCode(response), url).toBe('BAD_USER_INPUT');
    }
  });

  it("keeps other organizations' calendars and members out of reach", async () => {
    const { connection } = await memberWithFeed('/feeds/private.ics', dentist);
    const stranger = await harness.organization('TEST');
    const listed = await harness.request(CALENDARS, { key: stranger.adminKey });
    expect(listed.body.data!.calendars).toEqual([]);
    const disconnect = await harness.request('mutation ($id: ID!) { disconnectCalendar(id: $id) { id } }', {
      key: stranger.adminKey,
      variables: { id: connection.id },
    });
    expect(errorCode(disconnect)).toBe('NOT_FOUND');
    const connect = await harness.request(CONNECT, {
      key: stranger.adminKey,
      variables: { member: connection.teamMember.id, url: feeds.url('/feeds/private.ics') },
    });
    expect(errorCode(connect)).toBe('NOT_FOUND');
  });

  it('lets calendars:read list connections but not connect one', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['calendars:read'] });
    const member = await createTeamMember(harness, org.adminKey);
    expect((await harness.request(CALENDARS, { key: reader.secret })).body.errors).toBeUndefined();
    const response = await harness.request(CONNECT, { key: reader.secret, variables: { member: member.id, url: feeds.url('/feeds/x.ics') } });
    expect(errorCode(response)).toBe('FORBIDDEN');
  });

  it('stops a refresh round after the feed in hand when shutdown asks (the rest wait for the next round)', async () => {
    for (let i = 0; i < 4; i++) await memberWithFeed(`/feeds/backlog-${i}.ics`, dentist);
    const stopping = new AbortController();
    const asked: string[] = [];
    const reply = feeds.reply;
    feeds.reply = async (request) => {
      asked.push(request.path);
      // Shutdown arrives while the first feed is being fetched.
      stopping.abort();
      return reply(request);
    };
    try {
      harness.advance(1);
      expect(await harness.app.calendars.refreshStale(stopping.signal)).toBe(1);
      expect(asked).toHaveLength(1);
      // Nothing was lost: the next round fetches the others.
      expect(await harness.app.calendars.refreshStale()).toBeGreaterThanOrEqual(3);
    } finally {
      feeds.reply = reply;
    }
  });
});
