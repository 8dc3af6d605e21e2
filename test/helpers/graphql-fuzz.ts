/**
 * Random arguments for any field of a GraphQL schema, from the argument types
 * alone: fast-check arbitraries for every input type (scalars, enums, lists,
 * input objects), biased towards what breaks servers — dates far outside any
 * calendar, integers past 32 bits, NUL bytes and lone surrogates, strings far
 * longer than any limit, deep JSON, unknown enum values, nulls and wrong types.
 */
import fc, { type Arbitrary } from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';

export type FuzzContext = {
  /** Ids (and slugs, tokens, cursors) that exist, some in another tenant, so resolvers also get past their lookups. */
  knownIds: readonly string[];
  /** The app's clock: most dates fall near it. */
  now: Date;
  /** The root field being called, to pick ids of its kind for an `id` argument. */
  field?: string;
};

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '%',
  '_',
  "' or 1=1 --",
  '"; drop table bookings; --',
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  '😀'.repeat(300),
  'x'.repeat(5001),
  'y'.repeat(70_000),
];

/** Page cursors (base64url of "time|id") this API never returned: out-of-range times, odd ids. */
const cursor = (text: string) => Buffer.from(text).toString('base64url');
const FORGED_CURSORS = [
  cursor('99999|x'),
  cursor('-1|x'),
  cursor('0|x'),
  cursor('+275760-09-13T00:00:00.000Z|x'),
  cursor('2025-06-01T10:00:00.000Z|'),
  cursor('2025-06-01T10:00:00.000Z|\u0000'),
  cursor('2025-06-01T10:00:00.000Z|a|b'),
  cursor('9999-12-31T23:59:59.999Z|zzz'),
  '!!!',
];

/** Strings that look like what fields expect, so validation passes and deeper code runs. */
const PLAUSIBLE_STRINGS = [
  'Ada Lovelace',
  'ada@example.com',
  'ADA@EXAMPLE.COM ',
  'Europe/Berlin',
  'America/New_York',
  'UTC',
  'Mars/Olympus_Mons',
  '+01:00',
  'intro-call',
  'Intro Call',
  '09:00',
  '17:30',
  '24:00',
  '25:61',
  'bookings:read',
  'bookings:write',
  '*',
  'keys:manage',
  'booking.created',
  'api_key.rolled',
  'http://127.0.0.1:9/hook',
  'https://hooks.example.com/tessera',
  'webcal://calendar.example.com/private.ics',
  'https://user:pass@example.com/',
  'https://*.example.com',
  'http://[::1]:9/',
  'javascript:alert(1)',
  'graphql.query',
  'bat_' + 'A'.repeat(32),
  '0f3e9a2c-5b1d-4c2e-9a7f-1b2c3d4e5f60',
  'ok',
];

const EXTREME_DATES = [
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '1999-12-31T23:59:59.999Z',
  '2101-01-01T00:00:00Z',
  '2100-12-31T23:59:59Z',
  '2000-01-01T00:00:00Z',
  '2024-02-30T10:00:00Z',
  '2025-13-01T00:00:00Z',
  '2025-06-01T10:00:00+23:59',
  '2025-06-01T10:00:00-23:59',
  '2025-06-01T24:00:00Z',
  '2025-06-01',
  'yesterday',
  '',
];

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const EXTREME_NUMBERS = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 + 2, -1e308, 1e308, 0.5, -0];

/** A value of some other JSON type, to exercise coercion errors. */
const wrongType: Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.constantFrom('1', 'true', 'null'),
  fc.constant([]),
  fc.constant({}),
);

/** Strings shaped for what an argument or input field is called, mixed with anything at all. */
const BY_NAME: Record<string, readonly string[]> = {
  after: FORGED_CURSORS,
  timeZone: ['Europe/Berlin', 'america/new_york', 'US/Eastern', 'Etc/GMT+14', 'UTC', 'Mars/Olympus_Mons', '+01:00', 'Europe/Berlin\u0000'],
  email: ['ada@example.com', ' ADA@Example.COM ', 'ada@', '@example.com', `${'a'.repeat(320)}@example.com`],
  url: ['http://127.0.0.1:9/hook', 'https://hooks.example.com/x', 'webcal://calendar.example.com/x.ics', 'http://169.254.169.254/', 'ftp://x', `https://example.com/${'p'.repeat(3000)}`],
  slug: ['intro-call', 'Intro Call', '-a-', 'a--b', 'x'.repeat(101)],
  start: ['00:00', '09:00', '23:59', '24:00', '9:00', '12:60'],
  end: ['00:01', '17:00', '24:00', '24:01', '00:00'],
  idempotencyKey: ['order-1', '0f3e9a2c-5b1d-4c2e-9a7f-1b2c3d4e5f60', 'k'.repeat(256)],
  key: ['topic', 'a_1', '1a', 'a'.repeat(65), 'has space'],
  scopes: ['bookings:read', 'bookings:write', '*', 'keys:manage', 'audit:read', 'bookings:fly', ' bookings:read '],
  events: ['booking.created', 'api_key.rolled', 'booking.*', 'BOOKING.CREATED'],
  allowedOrigins: ['https://shop.example.com', 'https://*.example.com', 'https://*.com', 'http://localhost:99999', 'https://example.com/path'],
  action: ['graphql.query', 'api_key.created', '%', 'graphql.%'],
};

const stringValue = (context: FuzzContext, name?: string): Arbitrary<string> => {
  const shaped = name ? BY_NAME[name] : undefined;
  const any = anyString(context);
  return shaped ? fc.oneof({ arbitrary: fc.constantFrom(...shaped), weight: 3 }, { arbitrary: any, weight: 2 }) : any;
};

const anyString = (context: FuzzContext): Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 2 },
    { arbitrary: fc.constantFrom(...PLAUSIBLE_STRINGS), weight: 4 },
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 3 },
    { arbitrary: fc.constantFrom(...FORGED_CURSORS), weight: 1 },
    { arbitrary: fc.constantFrom(...context.knownIds), weight: 1 },
  );

/** The id prefixes an argument most likely wants, from its name or (for `id`) the field's. */
const ID_PREFIXES: Array<[RegExp, string]> = [
  [/booking/i, 'bkg_'],
  [/eventtype/i, 'evtype_'],
  [/teammember|host/i, 'tm_'],
  [/delivery/i, 'whdel_'],
  [/webhook/i, 'wh_'],
  [/apikey/i, 'key_'],
  [/calendar/i, 'cal_'],
];

function likelyIds(context: FuzzContext, name: string | undefined): readonly string[] {
  const hint = name && name !== 'id' ? name : context.field;
  const prefix = ID_PREFIXES.find(([pattern]) => pattern.test(hint ?? ''))?.[1];
  const matching = prefix ? context.knownIds.filter((id) => id.startsWith(prefix)) : [];
  return matching.length > 0 ? matching : context.knownIds;
}

const idValue = (context: FuzzContext, name?: string): Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...likelyIds(context, name)), weight: 6 },
    { arbitrary: fc.constantFrom(...context.knownIds), weight: 2 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 2 },
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 2 },
    { arbitrary: int32, weight: 1 },
  );

/** Mostly from 10 days before `now` to 60 after, on the 15-minute grid bookings need. */
const dateValue = (now: Date): Arbitrary<unknown> => {
  const near = fc
    .integer({ min: -10 * 24 * 4, max: 60 * 24 * 4 })
    .map((quarters) => new Date(Math.floor(now.getTime() / 900_000) * 900_000 + quarters * 900_000).toISOString());
  return fc.oneof(
    { arbitrary: near, weight: 4 },
    { arbitrary: fc.constantFrom(...EXTREME_DATES), weight: 3 },
    { arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), weight: 2 },
    { arbitrary: fc.constantFrom(0, -1, 253402300800000, 1e20), weight: 1 },
  );
};

/** Deeply nested JSON that no answer should ever need. */
const deepJson = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { nested: value };
  return value;
};

const jsonValue: Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  {
    arbitrary: fc.dictionary(fc.constantFrom('topic', 'size', 'consent', 'phone', 'email', '__proto__', 'a\u0000b'), fc.oneof(anyString({ knownIds: ['x'], now: new Date() }), fc.boolean(), fc.double())),
    weight: 3,
  },
  { arbitrary: fc.constantFrom(deepJson(50), deepJson(2000), { key: 'x'.repeat(70_000) }, { '\u0000': '\u0000' }), weight: 1 },
);

/** Values of `type`, including (now and then) values of the wrong type. */
export function valueOf(type: GraphQLInputType, context: FuzzContext, depth = 0, name?: string): Arbitrary<unknown> {
  // Rarer inside input objects: one wrong field refuses the whole object before any resolver runs.
  const usually = depth === 0 ? 20 : 80;
  const value = fc.oneof({ arbitrary: nonNullValueOf(type, context, depth, name), weight: usually }, { arbitrary: wrongType, weight: 1 });
  if (isNonNullType(type)) return fc.oneof({ arbitrary: value, weight: usually }, { arbitrary: fc.constant(null), weight: 1 });
  return fc.oneof({ arbitrary: value, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 });
}

function nonNullValueOf(type: GraphQLInputType, context: FuzzContext, depth: number, name?: string): Arbitrary<unknown> {
  if (isNonNullType(type)) return nonNullValueOf(type.ofType, context, depth, name);
  if (isListType(type)) {
    const item = valueOf(type.ofType, context, depth + 1, name);
    return fc.oneof(
      { arbitrary: fc.array(item, { maxLength: depth > 1 ? 2 : 5 }), weight: 9 },
      {
        arbitrary: item.filter((one) => (JSON.stringify(one) ?? '').length < 200).map((one) => Array.from({ length: 1000 }, () => one)),
        weight: 1,
      },
    );
  }
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    return fc.record(Object.fromEntries(fields.map((field) => [field.name, valueOf(field.type, context, depth + 1, field.name)])), {
      requiredKeys: fields.filter((field) => isNonNullType(field.type)).map((field) => field.name),
    });
  }
  if (isEnumType(type)) {
    return fc.oneof(
      { arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)), weight: 9 },
      { arbitrary: fc.constantFrom('UNKNOWN', '', type.getValues()[0]!.name.toLowerCase()), weight: 1 },
    );
  }
  switch (type.name) {
    case 'String':
      return stringValue(context, name);
    case 'ID':
      return idValue(context, name);
    case 'Int':
      return fc.oneof({ arbitrary: fc.integer({ min: -5, max: 250 }), weight: 6 }, { arbitrary: int32, weight: 1 }, { arbitrary: fc.constantFrom(...EXTREME_NUMBERS), weight: 2 });
    case 'Float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...EXTREME_NUMBERS));
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return dateValue(context.now);
    case 'JSON':
      return jsonValue;
    default:
      throw new Error(`no fuzz values for the scalar ${type.name}: add them here`);
  }
}

/**
 * The fields of an object type that need no arguments: its leaves, and its
 * objects' selections `depth` levels further down (`__typename` where nothing is left).
 */
export function selectionOf(type: GraphQLObjectType, depth: number): string {
  const fields = (Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]).filter((field) => field.args.every((arg) => !isNonNullType(arg.type)));
  const parts = fields.flatMap((field) => {
    const named = getNamedType(field.type);
    if (isLeafType(named)) return [field.name];
    if (isObjectType(named) && depth > 0) return [`${field.name} { ${selectionOf(named, depth - 1)} }`];
    return [];
  });
  return parts.length ? parts.join(' ') : '__typename';
}

/** Variables for every argument of a field, keyed by argument name; optional ones are sometimes left out. */
export function argumentsOf(field: GraphQLField<unknown, unknown>, context: FuzzContext): Arbitrary<Record<string, unknown>> {
  const forField = { ...context, field: field.name };
  return fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, valueOf(arg.type, forField, 0, arg.name)])), {
    requiredKeys: field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => arg.name),
  });
}

/**
 * An operation calling the field with every argument passed as a variable of
 * the argument's own type, selecting the leaves of its result (and __typename).
 */
export function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const variables = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const returned = getNamedType(field.type);
  const selection = isObjectType(returned) ? ` { __typename ${selectionOf(returned, 0)} }` : '';
  return `${kind} Fuzz${variables ? `(${variables})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
}
