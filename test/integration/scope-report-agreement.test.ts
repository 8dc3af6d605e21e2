/**
 * The report equals what execution enforces, for every operation the test
 * suite itself sends (test/helpers/suite-documents.ts collects them): each is
 * reported without error, and executed against one seeded database
 *
 * - with a key holding exactly its cheapest alternative: no scope refusal
 *   (FORBIDDEN with `requiredScopes` and no argument named: a refusal of an
 *   argument, such as webhook `events` the key could not read or a scope it
 *   cannot grant, is about the values sent, which no report of the document
 *   can know);
 * - with a key lacking one scope of every alternative: a scope refusal
 *   wherever the data reaches a field the key does not satisfy. A field is
 *   reached when the response holds its parent: the data for a root field, a
 *   non-null object (or a list with one) for the others. Where the seeded data
 *   stops short (an empty list, an unknown id) nothing is expected of it;
 * - and every scope refusal, with either key, at a path the report names, with
 *   a requirement that key does not satisfy.
 *
 * And each query, with all scopes and with the key lacking some, is answered
 * exactly alike by the compiled execution (graphql-jit) and by graphql-js.
 *
 * Variables get values by their type; a query's ids name seeded rows (by the
 * argument and the type it returns), a mutation's name nothing, so mutations
 * change none of the data the queries read. Keys need one scope: an operation
 * that needs none runs with `calendars:read` alone (guarding one root field).
 * One database, on one tier only (PostgreSQL where it is installed, the cheaper
 * in CPU): the walk and the enforcement are the same code on both.
 */
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  typeFromAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type GraphQLInputType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, isSatisfied, type ScopeRequirement } from '../../src/auth/access/scopes.js';
import { scopeReport, type ScopeReport } from '../../src/graphql/scope-report.js';
import { buildSchema } from '../../src/schema.js';
import { attendee, CREATE_BOOKING, seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { App } from '../../src/app.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration, onTheOneTier } from '../helpers/integration.js';
import { suiteOperations, type SuiteOperation } from '../helpers/suite-documents.js';

const schema = buildSchema();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WHEN_NOTHING_IS_NEEDED = ['calendars:read'];

type Seeded = { booking: string; eventType: string; host: string; member: string };
type Checked = SuiteOperation & { name: string; variables: Record<string, unknown>; report: ScopeReport };
type Refusal = { path: string; requiredScopes: ScopeRequirement };
type Outcome = { data: Record<string, unknown> | null | undefined; refusals: Refusal[] };

describe.skipIf(!onTheOneTier())('the report agrees with enforcement', () => {
  describeIntegration('on every operation the test suite sends', (harness) => {
    let org: TestOrganization;
    let seeded: Seeded;
    let operations: Checked[];
    const keys = new Map<string, string>();

    beforeAll(async () => {
      harness.clock = new Date('2030-01-07T08:00:00Z');
      org = await harness.organization();
      const host = await seedHost(harness, tenantOf(org), { capacity: 10 });
      const eventType = await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
      const created = await harness.request(CREATE_BOOKING, {
        key: org.adminKey,
        variables: { input: { eventTypeId: eventType.id, startAt: '2030-01-08T10:00:00.000Z', attendee: attendee() } },
      });
      seeded = { booking: created.body.data!.createBooking.id, eventType: eventType.id, host: host.id, member: org.adminMemberId };
      await harness.app.flush(); // the admin's requests, as audit records to read

      operations = suiteOperations(schema, ROOT)
        .filter(({ operation }) => schema.getRootType(operation.operation))
        .map((found) => {
          const variables = variablesFor(found.operation, seeded);
          const name = `${found.file}: ${found.operation.name?.value ?? found.text.slice(0, 60)}`;
          // With the variables it runs with: an @include on one is then decided as execution decides it.
          return { ...found, name, variables, report: scopeReport(schema, found.document, found.operation, variables) };
        });
      // Every key up front: a mutation run below cannot change what a later key may be given.
      for (const scopes of operations.flatMap(({ report }) => [cheapest(report), withoutOneOfEach(report)])) await keyWith(scopes);
    });

    async function keyWith(scopes: string[]): Promise<string> {
      const id = [...scopes].sort().join(' ');
      if (!keys.has(id)) keys.set(id, (await harness.makeKey({ organization: org, scopes })).secret);
      return keys.get(id)!;
    }

    async function send(app: App, { text, operation, variables }: Checked, scopes: string[]) {
      const response = await app.yoga.fetch('http://tessera.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await keyWith(scopes)}` },
        body: JSON.stringify({ query: text, operationName: operation.name?.value, variables }),
      });
      return fetchAnswer(response);
    }

    async function execute(checked: Checked, scopes: string[]): Promise<Outcome> {
      const { body } = await send(harness.app, checked, scopes);
      const refusals = (body.errors ?? [])
        .filter((error) => error.extensions?.code === 'FORBIDDEN' && error.extensions.requiredScopes && !error.extensions.field)
        .map((error) => ({ path: (error.path ?? []).filter((key) => typeof key === 'string').join('.'), requiredScopes: error.extensions!.requiredScopes }));
      return { data: body.data, refusals };
    }

    /** Refusals the report does not predict: at a path it does not name, or one whose requirement the key satisfies. */
    function unexpected(report: ScopeReport, scopes: string[], refusals: Refusal[]): string[] {
      const held = new Set(scopes);
      return refusals
        .filter(({ path }) => {
          const field = report.fields.find((candidate) => candidate.path === path);
          return !field || isSatisfied(field.requirement, held);
        })
        .map(({ path }) => path);
    }

    // Queries first: the mutations after them touch no seeded row, but may add some.
    const inOrder = () => [...operations].sort((a, b) => Number(a.operation.operation === 'mutation') - Number(b.operation.operation === 'mutation'));

    it('reports every operation the suite sends', () => {
      expect(operations.length).toBeGreaterThan(200);
      expect(operations.filter(({ report }) => report.fields.length > 0).length).toBeGreaterThan(100);
    });

    // Queries run compiled (graphql-jit, GRAPHQL_COMPILED_EXECUTION); every answer must be graphql-js's own, refusals included.
    it('answers each query, with every scope and lacking some, as graphql-js executing it does', async () => {
      const graphqlJs = await harness.sibling({ GRAPHQL_COMPILED_EXECUTION: 'false' });
      const differences: string[] = [];
      let compared = 0;
      for (const checked of operations.filter(({ operation }) => operation.operation === 'query')) {
        // A document is compiled the second time it runs: the first, here, runs on graphql-js.
        await send(harness.app, checked, ALL_SCOPES as string[]);
        for (const scopes of [ALL_SCOPES as string[], withoutOneOfEach(checked.report)]) {
          // The requests themselves write (audit records, last-used times, flushed in batches): a listing of
          // those may change between the two. Asked again, a real difference stays; such a change does not.
          let compiled: Answer | undefined;
          let interpreted: Answer | undefined;
          for (let attempt = 0; attempt < 3 && !(compiled && interpreted && answeredAlike(compiled, interpreted)); attempt++) {
            [compiled, interpreted] = [await send(harness.app, checked, scopes), await send(graphqlJs, checked, scopes)];
          }
          compared++;
          if (!answeredAlike(compiled!, interpreted!)) {
            differences.push(`${checked.name}: compiled ${JSON.stringify(compiled).slice(0, 1500)}\n  graphql-js ${JSON.stringify(interpreted).slice(0, 1500)}`);
          }
        }
      }
      expect(differences).toEqual([]);
      expect(compared).toBeGreaterThan(200);
    });

    it('runs each with only its cheapest alternative, without a scope refusal (sufficiency)', async () => {
      const failures: string[] = [];
      for (const checked of inOrder()) {
        const scopes = cheapest(checked.report);
        const { refusals } = await execute(checked, scopes);
        if (refusals.length > 0) failures.push(`${checked.name} with ${scopes.join(',')}: refused at ${refusals.map((r) => r.path).join(', ')}`);
      }
      expect(failures).toEqual([]);
    });

    it('refuses each, lacking a scope of every alternative, wherever the data reaches a field the key does not satisfy (necessity)', async () => {
      const failures: string[] = [];
      let reachedAndRefused = 0;
      for (const checked of inOrder()) {
        if (checked.report.fields.length === 0) continue;
        const scopes = withoutOneOfEach(checked.report);
        const { data, refusals } = await execute(checked, scopes);
        const held = new Set(scopes);
        const reached = checked.report.fields.filter((field) => !isSatisfied(field.requirement, held) && parentReached(data, field.path));
        if (reached.length > 0 && refusals.length === 0) failures.push(`${checked.name}: reached ${reached.map((f) => f.path).join(', ')} unrefused`);
        if (reached.length > 0 && refusals.length > 0) reachedAndRefused++;
        const stray = unexpected(checked.report, scopes, refusals);
        if (stray.length > 0) failures.push(`${checked.name}: refused at ${stray.join(', ')}, which the report does not predict`);
      }
      expect(failures).toEqual([]);
      expect(reachedAndRefused).toBeGreaterThan(100);
    });
  });
});

/** The smallest alternative (the report orders them smallest first); an operation needing nothing gets the fixed scope. */
function cheapest(report: ScopeReport): string[] {
  const first = report.alternatives[0]!;
  return first.length > 0 ? first : WHEN_NOTHING_IS_NEEDED;
}

/** Every scope but at least one of each alternative, so no alternative is satisfied. */
function withoutOneOfEach(report: ScopeReport): string[] {
  const withheld = new Set<string>();
  for (const alternative of report.alternatives) {
    if (!alternative.some((scope) => withheld.has(scope)) && alternative.length > 0) withheld.add(alternative[0]!);
  }
  return ALL_SCOPES.filter((scope) => !withheld.has(scope));
}

/** Whether the response holds the parent of the field at `path`: a non-null object somewhere along it. */
function parentReached(data: Record<string, unknown> | null | undefined, path: string): boolean {
  const keys = path.split('.').slice(0, -1);
  let values: unknown[] = data ? [data] : [];
  for (const key of keys) {
    values = values.flatMap((value) => {
      const next = (value as Record<string, unknown>)[key];
      return Array.isArray(next) ? next.flat(Infinity) : [next];
    });
    values = values.filter((value) => value !== null && value !== undefined);
  }
  return values.length > 0;
}

/** Values for an operation's required variables; a query's ids name seeded rows, a mutation's none. */
function variablesFor(operation: SuiteOperation['operation'], seeded: Seeded): Record<string, unknown> {
  const ids = operation.operation === 'query' ? seededIdsByVariable(operation, seeded) : new Map<string, string>();
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue || definition.type.kind !== Kind.NON_NULL_TYPE) continue;
    const name = definition.variable.name.value;
    variables[name] = sampleOf(typeFromAST(schema, definition.type) as GraphQLInputType, ids.get(name) ?? 'none');
  }
  return variables;
}

function sampleOf(type: GraphQLInputType, id: string): unknown {
  if (isNonNullType(type)) return sampleOf(type.ofType, id);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return Object.fromEntries(required.map((field) => [field.name, sampleOf(field.type, 'none')]));
  }
  const samples: Record<string, unknown> = { ID: id, Int: 1, Float: 1, Boolean: false, DateTime: '2030-01-08T00:00:00.000Z', JSON: {} };
  return samples[type.name] ?? 'UTC';
}

/** Which seeded row each ID variable of a query names, by the argument it is passed to and the type that field returns. */
function seededIdsByVariable(operation: SuiteOperation['operation'], seeded: Seeded): Map<string, string> {
  const ids = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Argument(argument) {
        if (argument.value.kind !== Kind.VARIABLE) return;
        const returns = getNamedType(typeInfo.getFieldDef()?.type)?.name;
        const name = argument.name.value;
        const id = /eventType/i.test(name)
          ? seeded.eventType
          : /host|teamMember/i.test(name)
            ? seeded.host
            : name === 'id'
              ? ({ Booking: seeded.booking, EventType: seeded.eventType, TeamMember: seeded.host, Member: seeded.member } as Record<string, string>)[returns ?? '']
              : undefined;
        if (id) ids.set(argument.value.name.value, id);
      },
    }),
  );
  return ids;
}

type Answer = Awaited<ReturnType<typeof fetchAnswer>>;
async function fetchAnswer(response: Response) {
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ path?: Array<string | number>; extensions?: Record<string, any> }> } };
}

/**
 * The same status, the same data, and the same errors (each error's request id aside, the one thing two
 * executions never share) in any order; where two non-null fields of one object fail, graphql-js stops at
 * the first and reports it alone, graphql-jit reports each: the extra errors may only be siblings, under
 * the parent graphql-js's error nulled, of an error both report.
 */
function answeredAlike(compiled: Answer, interpreted: Answer): boolean {
  const { errors: compiledErrors = [], ...compiledRest } = withoutRequestIds(compiled.body) as Answer['body'];
  const { errors: interpretedErrors = [], ...interpretedRest } = withoutRequestIds(interpreted.body) as Answer['body'];
  if (compiled.status !== interpreted.status || !isDeepStrictEqual(compiledRest, interpretedRest)) return false;
  const key = (error: unknown) => JSON.stringify(error);
  const both = new Set(interpretedErrors.map(key));
  if (!interpretedErrors.every((error) => compiledErrors.some((candidate) => key(candidate) === key(error)))) return false;
  const parentOf = (error: { path?: Array<string | number> }) => JSON.stringify((error.path ?? []).slice(0, -1));
  const nulledParents = new Set(interpretedErrors.map(parentOf));
  return compiledErrors.every((error) => both.has(key(error)) || (error.path !== undefined && nulledParents.has(parentOf(error))));
}

/** An answer with each error's request id left out. */
function withoutRequestIds(response: unknown): unknown {
  return JSON.parse(JSON.stringify(response, (key, value: unknown) => (key === 'requestId' ? undefined : value)));
}
