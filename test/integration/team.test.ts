import { beforeAll, expect, it } from 'vitest';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { createEventType, createTeamMember, errorCode, NINE_TO_FIVE_WEEKDAYS } from '../helpers/scheduling.js';

const MEMBER_FIELDS = 'id name email timeZone capacity active workingHours { weekday start end }';
const CREATE = `mutation ($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { ${MEMBER_FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateTeamMemberInput!) { updateTeamMember(id: $id, input: $input) { ${MEMBER_FIELDS} } }`;
const GET = `query ($id: ID!) { teamMember(id: $id) { ${MEMBER_FIELDS} } }`;
const LIST = 'query ($first: Int, $after: String) { teamMembers(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }';

describeIntegration('team members', (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await harness.organization();
  });

  const valid = { name: 'Ada Lovelace', email: 'Ada@Example.com', timeZone: 'europe/berlin', workingHours: NINE_TO_FIVE_WEEKDAYS };

  it('creates a member with capacity 1 by default, a canonical time zone and a lower-cased email', async () => {
    const created = await harness.request(CREATE, { key: org.adminKey, variables: { input: valid } });
    expect(created.body.errors).toBeUndefined();
    const member = created.body.data!.createTeamMember;
    expect(member).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/Berlin', capacity: 1, active: true });
    expect(member.workingHours).toHaveLength(5);
    const read = await harness.request(GET, { key: org.adminKey, variables: { id: member.id } });
    expect(read.body.data!.teamMember).toEqual(member);
  });

  it('refuses a second member with the same email', async () => {
    const again = await harness.request(CREATE, { key: org.adminKey, variables: { input: { ...valid, email: 'ADA@example.com' } } });
    expect(again.status).toBe(200);
    expect(again.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  it('gives exactly one of several concurrent creations an email, and the others a BAD_USER_INPUT', async () => {
    const input = { ...valid, email: 'raced@example.com' };
    const attempts = await Promise.all(Array.from({ length: 5 }, () => harness.request(CREATE, { key: org.adminKey, variables: { input } })));
    expect(attempts.filter((attempt) => attempt.body.data?.createTeamMember)).toHaveLength(1);
    const refusals = attempts.filter((attempt) => attempt.body.errors);
    expect(refusals.map((refusal) => refusal.body.errors![0]!.extensions.field)).toEqual(['email', 'email', 'email', 'email']);
  });

  it.each([
    ['an unknown time zone', { timeZone: 'Atlantis/Capital' }, 'timeZone'],
    ['a capacity of 0', { capacity: 0 }, 'capacity'],
    ['a capacity above 100', { capacity: 101 }, 'capacity'],
    ['a time not in HH:MM', { workingHours: [{ weekday: 'MONDAY', start: '9am', end: '17:00' }] }, 'workingHours[0].start'],
    ['an end before its start', { workingHours: [{ weekday: 'MONDAY', start: '17:00', end: '09:00' }] }, 'workingHours[0].end'],
    ['a blank name', { name: '  ' }, 'name'],
    ['an invalid email', { email: 'not-an-email' }, 'email'],
  ])('refuses %s, naming the field', async (_case, change, field) => {
    const response = await harness.request(CREATE, {
      key: org.adminKey,
      variables: { input: { ...valid, email: `x${Math.random()}@example.com`, ...change } },
    });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses a weekday outside MONDAY…SUNDAY', async () => {
    const response = await harness.request(CREATE, {
      key: org.adminKey,
      variables: { input: { ...valid, email: 'w@example.com', workingHours: [{ weekday: 'FUNDAY', start: '09:00', end: '10:00' }] } },
    });
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
  });

  it('changes only the fields given, and deactivates and reactivates a member', async () => {
    const { id } = await createTeamMember(harness, org.adminKey, { name: 'Grace', capacity: 3 });
    const updated = await harness.request(UPDATE, {
      key: org.adminKey,
      variables: { id, input: { timeZone: 'America/New_York', workingHours: [{ weekday: 'SUNDAY', start: '10:00', end: '24:00' }] } },
    });
    expect(updated.body.data!.updateTeamMember).toMatchObject({
      name: 'Grace',
      capacity: 3,
      timeZone: 'America/New_York',
      workingHours: [{ weekday: 'SUNDAY', start: '10:00', end: '24:00' }],
    });

    const deactivated = await harness.request('mutation ($id: ID!) { deactivateTeamMember(id: $id) { active } }', {
      key: org.adminKey,
      variables: { id },
    });
    expect(deactivated.body.data!.deactivateTeamMember.active).toBe(false);
    const reactivated = await harness.request(UPDATE, { key: org.adminKey, variables: { id, input: { active: true } } });
    expect(reactivated.body.data!.updateTeamMember.active).toBe(true);
  });

  it('validates updates like creations', async () => {
    const { id } = await createTeamMember(harness, org.adminKey);
    const response = await harness.request(UPDATE, { key: org.adminKey, variables: { id, input: { timeZone: 'GMT+2' } } });
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'timeZone' });
  });

  it('pages through members with cursors, at most 200 at a time', async () => {
    const fresh = await harness.organization();
    const ids = [];
    for (let i = 0; i < 5; i++) {
      harness.advance(1000); // oldest first
      ids.push((await createTeamMember(harness, fresh.adminKey)).id);
    }
    const first = await harness.request(LIST, { key: fresh.adminKey, variables: { first: 3 } });
    const page1 = first.body.data!.teamMembers;
    expect(page1.nodes.map((node: { id: string }) => node.id)).toEqual(ids.slice(0, 3));
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await harness.request(LIST, { key: fresh.adminKey, variables: { first: 3, after: page1.pageInfo.endCursor } });
    expect(second.body.data!.teamMembers.nodes.map((node: { id: string }) => node.id)).toEqual(ids.slice(3));
    expect(second.body.data!.teamMembers.pageInfo.hasNextPage).toBe(false);

    const tooMany = await harness.request(LIST, { key: fresh.adminKey, variables: { first: 201 } });
    expect(tooMany.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it("answers NOT_FOUND for another organization's member, to read or to change", async () => {
    const other = await harness.organization();
    const { id } = await createTeamMember(harness, other.adminKey);
    expect(errorCode(await harness.request(GET, { key: org.adminKey, variables: { id } }))).toBe('NOT_FOUND');
    expect(errorCode(await harness.request(UPDATE, { key: org.adminKey, variables: { id, input: { name: 'Mallory' } } }))).toBe(
      'NOT_FOUND',
    );
    const deactivate = await harness.request('mutation ($id: ID!) { deactivateTeamMember(id: $id) { id } }', {
      key: org.adminKey,
      variables: { id },
    });
    expect(errorCode(deactivate)).toBe('NOT_FOUND');
    const still = await harness.request(GET, { key: other.adminKey, variables: { id } });
    expect(still.body.data!.teamMember).toMatchObject({ active: true });
  });

  it('keeps live and test members apart', async () => {
    const fresh = await harness.organization();
    const live = await harness.makeKey({ organization: fresh, scopes: ['*'], environment: 'LIVE' });
    const testMember = await createTeamMember(harness, fresh.adminKey, { email: 'same@example.com' });
    // The same email is free in the other world.
    const liveMember = await createTeamMember(harness, live.secret, { email: 'same@example.com' });
    const liveList = await harness.request(LIST, { key: live.secret });
    expect(liveList.body.data!.teamMembers.nodes).toEqual([{ id: liveMember.id }]);
    expect(errorCode(await harness.request(GET, { key: live.secret, variables: { id: testMember.id } }))).toBe('NOT_FOUND');
  });

  it('needs team:read to read and team:write to change', async () => {
    const reader = await harness.makeKey({ organization: org, scopes: ['team:read'] });
    const writer = await harness.makeKey({ organization: org, scopes: ['team:write'] });
    expect(errorCode(await harness.request(LIST, { key: writer.secret }))).toBe('FORBIDDEN');
    const refused = await harness.request(CREATE, { key: reader.secret, variables: { input: { ...valid, email: 'r@example.com' } } });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const created = await harness.request(CREATE, { key: writer.secret, variables: { input: { ...valid, email: 'w2@example.com' } } });
    expect(created.body.errors).toBeUndefined();
    expect((await harness.request(LIST, { key: reader.secret })).body.errors).toBeUndefined();
  });

  it("shows a host's email only to keys holding team:read", async () => {
    const host = await createTeamMember(harness, org.adminKey, { name: 'Visible Host', email: 'host-private@example.com' });
    const eventType = await createEventType(harness, org.adminKey, { hostIds: [host.id] });
    const query = 'query ($id: ID!) { eventType(id: $id) { hosts { name email } } }';
    const publicReader = await harness.makeKey({ organization: org, scopes: ['event-types:read'] });
    const withoutTeam = await harness.request(query, { key: publicReader.secret, variables: { id: eventType.id } });
    expect(withoutTeam.body.data!.eventType.hosts).toEqual([{ name: 'Visible Host', email: null }]);
    expect(withoutTeam.body.errors![0]!.extensions.code).toBe('FORBIDDEN');

    const teamReader = await harness.makeKey({ organization: org, scopes: ['event-types:read', 'team:read'] });
    const withTeam = await harness.request(query, { key: teamReader.secret, variables: { id: eventType.id } });
    expect(withTeam.body.data!.eventType.hosts).toEqual([{ name: 'Visible Host', email: 'host-private@example.com' }]);
  });
});
