import { beforeAll, expect, it } from 'vitest';
import { bookings, eventTypeHosts, eventTypes } from '../../src/db/schema/index.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { QueryCounter } from '../helpers/query-counter.js';
import { createEventType, createTeamMember, errorCode } from '../helpers/scheduling.js';

const FIELDS = `id title slug description durationMinutes bufferBeforeMinutes bufferAfterMinutes minimumNoticeMinutes
  bookingWindowDays pendingHoldMinutes hosts { id } customFields { key label type required options } active deletedAt`;
const CREATE = `mutation ($input: CreateEventTypeInput!) { createEventType(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateEventTypeInput!) { updateEventType(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation ($id: ID!) { deleteEventType(id: $id) { ${FIELDS} } }`;
const GET = `query ($id: ID!) { eventType(id: $id) { ${FIELDS} } }`;
const BY_SLUG = `query ($slug: String!) { eventTypeBySlug(slug: $slug) { ${FIELDS} } }`;
const LIST = `query ($first: Int, $after: String) { eventTypes(first: $first, after: $after) {
  nodes { id slug hosts { id name } } pageInfo { hasNextPage endCursor } } }`;

describeIntegration('event types', (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  it('creates an event type from title, slug and duration alone, bookable by nobody', async () => {
    const response = await harness.request(CREATE, {
      key: org.adminKey,
      variables: { input: { title: 'Intro call', slug: 'intro-call', durationMinutes: 30 } },
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.createEventType).toMatchObject({
      title: 'Intro call',
      slug: 'intro-call',
      description: null,
      durationMinutes: 30,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      minimumNoticeMinutes: 0,
      bookingWindowDays: 90,
      pendingHoldMinutes: null,
      hosts: [],
      customFields: [],
      active: true,
      deletedAt: null,
    });
  });

  it('creates an event type with every setting, and finds it by id and by slug', async () => {
    const ada = await createTeamMember(harness, org.adminKey);
    const bob = await createTeamMember(harness, org.adminKey);
    const input = {
      title: 'Consultation',
      slug: 'consultation',
      durationMinutes: 60,
      description: 'An hour with an expert.',
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 15,
      minimumNoticeMinutes: 240,
      bookingWindowDays: 30,
      pendingHoldMinutes: 120,
      hostIds: [ada.id, bob.id, ada.id],
      customFields: [
        { key: 'company', label: 'Company', type: 'TEXT', required: true },
        { key: 'plan', label: 'Plan', type: 'SELECT', options: ['Basic', 'Pro'] },
      ],
      active: false,
    };
    const created = (await harness.request(CREATE, { key: org.adminKey, variables: { input } })).body.data!.createEventType;
    const { hostIds: _given, ...settings } = input;
    expect(created).toMatchObject({
      ...settings,
      hosts: expect.arrayContaining([{ id: ada.id }, { id: bob.id }]),
      customFields: [
        { key: 'company', label: 'Company', type: 'TEXT', required: true, options: [] },
        { key: 'plan', label: 'Plan', type: 'SELECT', required: false, options: ['Basic', 'Pro'] },
      ],
    });
    expect(created.hosts).toHaveLength(2);
    expect((await harness.request(GET, { key: org.adminKey, variables: { id: created.id } })).body.data!.eventType).toEqual(created);
    expect((await harness.request(BY_SLUG, { key: org.adminKey, variables: { slug: 'consultation' } })).body.data!.eventTypeBySlug).toEqual(
      created,
    );
  });

  it.each([
    ['a duration below 5 minutes', { durationMinutes: 4 }, 'durationMinutes'],
    ['a negative buffer', { bufferBeforeMinutes: -5 }, 'bufferBeforeMinutes'],
    ['a buffer above a day', { bufferAfterMinutes: 1441 }, 'bufferAfterMinutes'],
    ['a negative notice', { minimumNoticeMinutes: -1 }, 'minimumNoticeMinutes'],
    ['an uppercase slug', { slug: 'Intro' }, 'slug'],
    ['a SELECT without options', { customFields: [{ key: 'plan', label: 'Plan', type: 'SELECT' }] }, 'customFields[0].options'],
    [
      'two custom fields with the same key',
      { customFields: [{ key: 'a', label: 'A', type: 'TEXT' }, { key: 'a', label: 'B', type: 'NUMBER' }] },
      'customFields[1].key',
    ],
    ['an unknown host', { hostIds: ['tm_doesnotexist'] }, 'hostIds'],
  ])('refuses %s, naming the field', async (_case, change, field) => {
    const response = await harness.request(CREATE, {
      key: org.adminKey,
      variables: { input: { title: 'Bad', slug: `bad-${Math.random().toString(36).slice(2, 8)}`, durationMinutes: 30, ...change } },
    });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses a slug already taken by a live event type', async () => {
    await createEventType(harness, org.adminKey, { slug: 'taken' });
    const again = await harness.request(CREATE, { key: org.adminKey, variables: { input: { title: 'X', slug: 'taken', durationMinutes: 30 } } });
    expect(again.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'slug' });
  });

  it('gives exactly one of several concurrent creations a slug, and the others a BAD_USER_INPUT', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        harness.request(CREATE, { key: org.adminKey, variables: { input: { title: 'Race', slug: 'raced', durationMinutes: 30 } } }),
      ),
    );
    expect(attempts.filter((attempt) => attempt.body.data?.createEventType)).toHaveLength(1);
    const refusals = attempts.filter((attempt) => attempt.body.errors);
    expect(refusals.map((refusal) => refusal.body.errors![0]!.extensions.field)).toEqual(['slug', 'slug', 'slug', 'slug']);
  });

  it("refuses another organization's team member as host exactly like an unknown id", async () => {
    const other = await harness.organization();
    const foreign = await createTeamMember(harness, other.adminKey);
    const attempt = (hostIds: string[]) =>
      harness.request(CREATE, { key: org.adminKey, variables: { input: { title: 'X', slug: 'foreign-host', durationMinutes: 30, hostIds } } });
    const foreignAnswer = (await attempt([foreign.id])).body.errors![0]!;
    const unknownAnswer = (await attempt(['tm_00000000000000000000'])).body.errors![0]!;
    expect(foreignAnswer.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hostIds' });
    expect(foreignAnswer.message.replace(foreign.id, 'ID')).toBe(unknownAnswer.message.replace('tm_00000000000000000000', 'ID'));
  });

  it('refuses a deactivated team member as host', async () => {
    const gone = await createTeamMember(harness, org.adminKey);
    await harness.request('mutation ($id: ID!) { deactivateTeamMember(id: $id) { id } }', { key: org.adminKey, variables: { id: gone.id } });
    const response = await harness.request(CREATE, {
      key: org.adminKey,
      variables: { input: { title: 'X', slug: 'gone-host', durationMinutes: 30, hostIds: [gone.id] } },
    });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hostIds' });
  });

  it('updates only the fields given and replaces the host list', async () => {
    const first = await createTeamMember(harness, org.adminKey);
    const second = await createTeamMember(harness, org.adminKey);
    const eventType = await createEventType(harness, org.adminKey, { hostIds: [first.id], description: 'Keep me' });
    const updated = await harness.request(UPDATE, {
      key: org.adminKey,
      variables: { id: eventType.id, input: { durationMinutes: 45, hostIds: [second.id] } },
    });
    expect(updated.body.data!.updateEventType).toMatchObject({
      durationMinutes: 45,
      description: 'Keep me',
      slug: eventType.slug,
      hosts: [{ id: second.id }],
    });
    const cleared = await harness.request(UPDATE, { key: org.adminKey, variables: { id: eventType.id, input: { hostIds: [] } } });
    expect(cleared.body.data!.updateEventType.hosts).toEqual([]);
  });

  it('changes the booking window only when given, and clears the pending hold with null', async () => {
    const eventType = await createEventType(harness, org.adminKey, { pendingHoldMinutes: 30 });
    const update = async (input: Record<string, unknown>) =>
      (await harness.request(UPDATE, { key: org.adminKey, variables: { id: eventType.id, input } })).body.data!.updateEventType;
    expect(await update({ bookingWindowDays: 14 })).toMatchObject({ bookingWindowDays: 14, pendingHoldMinutes: 30 });
    expect(await update({ title: 'Renamed' })).toMatchObject({ bookingWindowDays: 14, pendingHoldMinutes: 30 });
    expect(await update({ pendingHoldMinutes: null })).toMatchObject({ bookingWindowDays: 14, pendingHoldMinutes: null });
  });

  it('soft-deletes: gone from lists and slug lookups, still readable by id, slug free again, bookings keep it', async () => {
    const fresh = await harness.organization();
    const eventType = await createEventType(harness, fresh.adminKey, { slug: 'to-delete' });
    await harness.db.insert(bookings).values({
      id: 'bk_keeps_deleted_type',
      organizationId: fresh.organizationId,
      environment: 'TEST',
      eventTypeId: eventType.id,
      status: 'CONFIRMED',
      startAt: new Date('2030-01-07T10:00:00Z'),
      endAt: new Date('2030-01-07T10:30:00Z'),
      attendeeName: 'Attendee',
      attendeeEmail: 'attendee@example.com',
      createdByKeyId: fresh.adminKeyId,
    });
    harness.advance(60_000);
    const deleted = await harness.request(DELETE, { key: fresh.adminKey, variables: { id: eventType.id } });
    expect(deleted.body.data!.deleteEventType.deletedAt).toBe(harness.clock.toISOString());

    const list = await harness.request(LIST, { key: fresh.adminKey });
    expect(list.body.data!.eventTypes.nodes).toEqual([]);
    expect(errorCode(await harness.request(BY_SLUG, { key: fresh.adminKey, variables: { slug: 'to-delete' } }))).toBe('NOT_FOUND');
    const byId = await harness.request(GET, { key: fresh.adminKey, variables: { id: eventType.id } });
    expect(byId.body.data!.eventType).toMatchObject({ id: eventType.id, deletedAt: harness.clock.toISOString() });
    const [booking] = await harness.db.select().from(bookings);
    expect(booking!.eventTypeId).toBe(eventType.id);

    const reused = await createEventType(harness, fresh.adminKey, { slug: 'to-delete' });
    expect(reused.id).not.toBe(eventType.id);
    const change = await harness.request(UPDATE, { key: fresh.adminKey, variables: { id: eventType.id, input: { title: 'Back' } } });
    expect(change.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it("answers NOT_FOUND for another organization's event type", async () => {
    const other = await harness.organization();
    const theirs = await createEventType(harness, other.adminKey, { slug: 'their-call' });
    expect(errorCode(await harness.request(GET, { key: org.adminKey, variables: { id: theirs.id } }))).toBe('NOT_FOUND');
    expect(errorCode(await harness.request(BY_SLUG, { key: org.adminKey, variables: { slug: 'their-call' } }))).toBe('NOT_FOUND');
    expect(errorCode(await harness.request(DELETE, { key: org.adminKey, variables: { id: theirs.id } }))).toBe('NOT_FOUND');
    const update = await harness.request(UPDATE, { key: org.adminKey, variables: { id: theirs.id, input: { title: 'Mine' } } });
    expect(errorCode(update)).toBe('NOT_FOUND');
  });

  it('keeps live and test event types apart, hosts included', async () => {
    const fresh = await harness.organization();
    const live = await harness.makeKey({ organization: fresh, scopes: ['*'], environment: 'LIVE' });
    const testHost = await createTeamMember(harness, fresh.adminKey);
    const testType = await createEventType(harness, fresh.adminKey, { slug: 'same-slug' });
    const liveType = await createEventType(harness, live.secret, { slug: 'same-slug' });
    expect((await harness.request(LIST, { key: live.secret })).body.data!.eventTypes.nodes.map((n: { id: string }) => n.id)).toEqual([
      liveType.id,
    ]);
    expect(errorCode(await harness.request(GET, { key: live.secret, variables: { id: testType.id } }))).toBe('NOT_FOUND');
    const crossWorldHost = await harness.request(CREATE, {
      key: live.secret,
      variables: { input: { title: 'X', slug: 'cross', durationMinutes: 30, hostIds: [testHost.id] } },
    });
    expect(crossWorldHost.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hostIds' });
  });

  it('needs event-types:read to read and event-types:write to change', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const writer = await harness.makeKey({ organization: org, scopes: ['event-types:write'] });
    expect(errorCode(await harness.request(LIST, { key: writer.secret }))).toBe('FORBIDDEN');
    const refused = await harness.request(CREATE, { key: reader.secret, variables: { input: { title: 'X', slug: 'scoped', durationMinutes: 30 } } });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect((await harness.request(LIST, { key: reader.secret })).body.errors).toBeUndefined();
  });

  it('pages through event types and loads the hosts of a whole page of 200 in one query', async () => {
    const fresh = await harness.organization();
    const hosts: string[] = [];
    for (let i = 0; i < 3; i++) hosts.push((await createTeamMember(harness, fresh.adminKey)).id);
    // Stored directly: 205 API calls would only test the rate limiter.
    const created = Array.from({ length: 205 }, (_, i) => `evtype_page_${String(i).padStart(3, '0')}`);
    const tenant = { organizationId: fresh.organizationId, environment: 'TEST' as const };
    await harness.db.insert(eventTypes).values(
      created.map((id, i) => ({
        id,
        ...tenant,
        title: `Call ${i}`,
        slug: `page-call-${i}`,
        durationMinutes: 30,
        createdAt: new Date(harness.clock.getTime() + i * 1000),
      })),
    );
    await harness.db.insert(eventTypeHosts).values(
      created.flatMap((eventTypeId, i) => [
        { eventTypeId, teamMemberId: hosts[i % 3]!, ...tenant },
        { eventTypeId, teamMemberId: hosts[(i + 1) % 3]!, ...tenant },
      ]),
    );
    const counter = QueryCounter.attach(harness.db);
    const readPage = async (first: number, after?: string) => {
      let page: any;
      const statements = await counter.during(async () => {
        page = (await harness.request(LIST, { key: fresh.adminKey, variables: { first, after } })).body.data!.eventTypes;
      });
      // Authentication and audit statements are the same for every request; count the domain's.
      return { page, queries: statements.filter((sql) => /event_type|team_members/.test(sql)).length };
    };

    const small = await readPage(2);
    const full = await readPage(200);
    expect(full.page.nodes).toHaveLength(200);
    expect(full.page.nodes.every((node: { hosts: unknown[] }) => node.hosts.length === 2)).toBe(true);
    expect(full.queries).toBe(small.queries);
    expect(full.queries).toBe(2); // the page, and its hosts

    const rest = await readPage(200, full.page.pageInfo.endCursor);
    expect([...full.page.nodes, ...rest.page.nodes].map((node: { id: string }) => node.id)).toEqual(created);
    expect(rest.page.pageInfo.hasNextPage).toBe(false);
  });
});
