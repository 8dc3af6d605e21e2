/**
 * Property: for random keys (type, environment, scopes, owner role) and random
 * operations built from the schema, every root field is allowed exactly when
 * the policy says so, and no field outside the key's reach ever carries data
 * in the response.
 */
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { beforeAll, expect, it } from 'vitest';
import { effectiveKeyScopes, isGrantable, PUBLIC_KEY_SCOPES, SCOPE_GROUPS, SCOPES, WILDCARD } from '../../src/auth/access/scopes.js';
import type { MemberRole } from '../../src/auth/access/scopes.js';
import { buildSchema } from '../../src/schema.js';
import { attendee, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { selectionOf } from '../helpers/graphql-fuzz.js';
import { allowed, reach, requirementOf } from '../helpers/reach.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

const schema = buildSchema();
const SEED = Number(process.env.SCOPE_PROPERTY_SEED ?? 20261201);
const RUNS = Number(process.env.SCOPE_PROPERTY_RUNS ?? 100);

/** A value for a required argument: enough to pass validation (an unknown id answers NOT_FOUND). */
function argumentValue(type: GraphQLInputType): string | null {
  const inner = getNullableType(type);
  if (isListType(inner)) return `[${argumentValue(inner.ofType)}]`;
  if (isEnumType(inner)) return inner.getValues()[0]!.name;
  if (isInputObjectType(inner)) return null;
  switch (inner.name) {
    case 'Int':
      return '1';
    case 'Boolean':
      return 'false';
    case 'DateTime':
      return '"2030-01-08T00:00:00.000Z"';
    default:
      return '"none"';
  }
}

/** A document for one root field, or null when its required arguments cannot be made up simply. */
function documentFor(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string | null {
  const args: string[] = [];
  for (const arg of field.args) {
    if (!isNonNullType(arg.type)) continue;
    const value = argumentValue(arg.type);
    if (value === null) return null;
    args.push(`${arg.name}: ${value}`);
  }
  const named = getNamedType(field.type);
  const body = isObjectType(named) ? ` { ${selectionOf(named, 2)} }` : '';
  return `${operation} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${body} }`;
}

const OPERATIONS = [
  ...Object.values(schema.getQueryType()!.getFields()).map((field) => ({ field, document: documentFor('query', field) })),
  // Mutations whose required arguments are plain (ids): on an unknown id they change nothing.
  ...Object.values(schema.getMutationType()!.getFields()).map((field) => ({ field, document: documentFor('mutation', field) })),
].filter((operation): operation is { field: GraphQLField<unknown, unknown>; document: string } => operation.document !== null);

/** Every `Type.field` that carries a non-null value in the response data. */
function fieldsWithData(value: unknown, type: GraphQLObjectType, out = new Set<string>()): Set<string> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((item) => fieldsWithData(item, type, out));
    return out;
  }
  for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
    if (name === '__typename' || child === null) continue;
    const field = type.getFields()[name]!;
    out.add(`${type.name}.${name}`);
    const named = getNamedType(field.type);
    if (isObjectType(named)) fieldsWithData(child, named, out);
  }
  return out;
}

const grantable = [WILDCARD, ...Object.keys(SCOPES), ...Object.keys(SCOPE_GROUPS)].filter(isGrantable);

describeIntegrationOnOneTier(`random keys × random operations`, (harness) => {
  let org: TestOrganization;
  beforeAll(async () => {
    harness.clock = new Date('2030-01-07T08:00:00Z');
    org = await harness.organization();
    // Data everywhere, so what a key may not see would show if it leaked.
    const host = await seedHost(harness, tenantOf(org));
    const eventType = await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
    await harness.request('mutation($input: CreateBookingInput!) { createBooking(input: $input) { id } }', {
      key: org.adminKey,
      variables: { input: { eventTypeId: eventType.id, startAt: '2030-01-08T10:00:00.000Z', attendee: attendee() } },
    });
  });

  it(`allows each root field exactly when the policy does and shows nothing beyond the key's reach (${OPERATIONS.length} operations)`, async () => {
    const key = fc.record({
      type: fc.constantFrom<'SECRET' | 'PUBLIC'>('SECRET', 'PUBLIC'),
      role: fc.constantFrom<MemberRole>('ADMIN', 'MEMBER'),
      scopes: fc.uniqueArray(fc.constantFrom(...grantable), { minLength: 1, maxLength: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(key, fc.constantFrom(...OPERATIONS), async ({ type, role, scopes }, { field, document }) => {
        // A public key holds only what a web page may; ask only for grantable scopes of its kind.
        const granted = type === 'PUBLIC' ? scopes.filter((scope) => PUBLIC_KEY_SCOPES.includes(scope as never)) : scopes;
        fc.pre(granted.length > 0);
        const made = await harness.makeKey({ organization: org, type, role, scopes: granted });
        const effective = effectiveKeyScopes(granted, role, type);
        const response = await harness.request(document, { key: made.secret });
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);

        const rootType = document.startsWith('mutation') ? schema.getMutationType()! : schema.getQueryType()!;
        const rootAllowed = allowed(field, effective);
        const rootRefused = (response.body.errors ?? []).some((error) => error.path?.length === 1 && error.extensions.code === 'FORBIDDEN');
        expect(rootRefused, `${document} with ${[...effective].join(',')}; requirement ${JSON.stringify(requirementOf(field))}`).toBe(!rootAllowed);

        const reachable = reach(schema, effective);
        const shown = fieldsWithData(response.body.data ?? {}, rootType);
        // A key's own ApiKeyReference is the one runtime exemption: it may recognise itself.
        const beyond = [...shown].filter((name) => !reachable.has(name) && !name.startsWith('ApiKeyReference.'));
        expect(beyond, document).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
