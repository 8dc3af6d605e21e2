import { badUserInput } from './errors.js';

/**
 * The bounds every argument lives within, whatever field it is given to. The
 * GraphQL kernel (src/graphql/input-bounds.plugin.ts) refuses anything outside
 * them before a resolver runs, naming the argument; services then apply their
 * tighter, field-specific limits (a name's 200 characters, a range's 62 days).
 * docs/errors.md prints this table.
 */
export const INPUT_LIMITS = {
  earliestDate: new Date('2000-01-01T00:00:00.000Z'),
  latestDate: new Date('2100-12-31T23:59:59.999Z'),
  maxStringLength: 5000,
  maxIdLength: 64,
  maxListItems: 200,
  maxJsonDepth: 5,
  maxJsonKeyLength: 100,
} as const;

/**
 * The longest text each field takes, in characters; the services check them
 * (after trimming, where they trim) and name the field when one is over.
 */
export const TEXT_LIMITS = {
  name: 200,
  keyName: 100,
  email: 320,
  title: 200,
  slug: 100,
  description: 5000,
  webhookDescription: 500,
  notes: 5000,
  cancellationReason: 1000,
  url: 2048,
  addressRange: 64,
  idempotencyKey: 255,
  customFieldKey: 64,
  customFieldLabel: 200,
  customFieldText: 2000,
  timeZone: 64,
  scope: 64,
  webhookEvent: 64,
  auditAction: 100,
} as const;

/** Where each text limit applies, for the documentation's table. */
export const TEXT_LIMIT_FIELDS: Record<keyof typeof TEXT_LIMITS, string> = {
  name: 'names of team members, attendees, members and organizations',
  keyName: 'API key `name`',
  email: 'email addresses',
  title: 'event type `title`',
  slug: 'event type `slug` (also in `eventTypeBySlug`)',
  description: 'event type `description`',
  webhookDescription: 'webhook `description`',
  notes: 'booking `notes`',
  cancellationReason: '`cancelBooking(reason)`',
  url: 'URLs: webhook `url`, calendar feed `url`, `allowedOrigins`',
  addressRange: 'each address or range in `allowedIps`',
  idempotencyKey: '`idempotencyKey`',
  customFieldKey: 'custom field `key`',
  customFieldLabel: 'custom field `label` and each SELECT option',
  customFieldText: 'each text answer in `customFieldValues`',
  timeZone: 'every `timeZone`',
  scope: 'each scope in `scopes`',
  webhookEvent: 'each webhook event in `events`',
  auditAction: '`auditEvents(action)`',
};

/** What each limit means to a caller, for the documentation's table. */
export const INPUT_LIMIT_RULES: ReadonlyArray<{ input: string; limit: string }> = [
  { input: 'every `DateTime`', limit: `${INPUT_LIMITS.earliestDate.toISOString()} to ${INPUT_LIMITS.latestDate.toISOString()} (years 2000 to 2100)` },
  { input: 'every `String`', limit: `at most ${INPUT_LIMITS.maxStringLength} characters, no NUL character; most fields allow fewer (next table)` },
  { input: 'every `ID`', limit: `at most ${INPUT_LIMITS.maxIdLength} characters, no NUL character` },
  { input: 'every list', limit: `at most ${INPUT_LIMITS.maxListItems} items` },
  {
    input: 'every `JSON`',
    limit: `at most ${INPUT_LIMITS.maxJsonDepth} levels deep, ${INPUT_LIMITS.maxListItems} entries per object or array, keys of at most ${INPUT_LIMITS.maxJsonKeyLength} characters, strings as above`,
  },
];

/** Whether a date is one the API accepts anywhere (a stored row's, a cursor's, an argument's). */
export const isWithinDateBounds = (at: Date) =>
  at.getTime() >= INPUT_LIMITS.earliestDate.getTime() && at.getTime() <= INPUT_LIMITS.latestDate.getTime();

export function checkedText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength) throw badUserInput(field, `must be at most ${maxLength} characters.`);
  // PostgreSQL text and jsonb cannot hold U+0000; refused here rather than failing in the database.
  if (value.includes('\u0000')) throw badUserInput(field, 'must not contain NUL characters.');
  return value;
}
