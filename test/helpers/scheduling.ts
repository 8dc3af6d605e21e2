/**
 * Shortcuts for integration tests that need team members and event types in
 * place: created through the API, so they pass the same validation as a client's.
 */
import { expect } from 'vitest';
import type { TestHarness } from './harness.js';

export const NINE_TO_FIVE_WEEKDAYS = (['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const).map((weekday) => ({
  weekday,
  start: '09:00',
  end: '17:00',
}));

let people = 0;

export async function createTeamMember(
  harness: TestHarness,
  key: string,
  input: { name?: string; email?: string; timeZone?: string; capacity?: number; workingHours?: unknown[] } = {},
): Promise<{ id: string }> {
  people++;
  const response = await harness.request(
    'mutation ($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { id } }',
    {
      key,
      variables: {
        input: {
          name: `Host ${people}`,
          email: `host${people}@example.com`,
          timeZone: 'UTC',
          workingHours: NINE_TO_FIVE_WEEKDAYS,
          ...input,
        },
      },
    },
  );
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.createTeamMember;
}

let slugs = 0;

export async function createEventType(
  harness: TestHarness,
  key: string,
  input: Record<string, unknown> = {},
): Promise<{ id: string; slug: string }> {
  slugs++;
  const response = await harness.request(
    'mutation ($input: CreateEventTypeInput!) { createEventType(input: $input) { id slug } }',
    { key, variables: { input: { title: `Call ${slugs}`, slug: `call-${slugs}`, durationMinutes: 30, ...input } } },
  );
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.createEventType;
}

/** The error code of the first error, for one-line assertions. */
export const errorCode = (response: { body: { errors?: Array<{ extensions: Record<string, any> }> } }) =>
  response.body.errors?.[0]?.extensions.code;
