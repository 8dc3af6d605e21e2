import { readFileSync } from 'node:fs';
import { getDirective } from '@graphql-tools/utils';
import {
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema.js';
import { ALL_SCOPES, type Scope } from '../../src/auth/access/scopes.js';
import { printSchemaFile } from '../../scripts/print-schema.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';
import { printedSchemaWithoutDescriptions } from '../helpers/schema-text.js';

const schema = buildSchema();

type RootField = { root: GraphQLObjectType; field: GraphQLField<unknown, unknown> };

/** Every field of every root type, including the ones added after this test was written. */
function rootFields(): RootField[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((root): root is GraphQLObjectType => Boolean(root))
    .flatMap((root) => Object.values(root.getFields()).map((field) => ({ root, field })));
}

const requirementOf = (field: GraphQLField<unknown, unknown>) =>
  getDirective(schema, field, 'requiresScopes')?.[0]?.scopes as Scope[][] | undefined;
const isOpen = (field: GraphQLField<unknown, unknown>) => Boolean(getDirective(schema, field, 'authenticated')?.length);

/** A value of the given input type that passes GraphQL's own coercion, whatever the field does with it. */
function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
        .map((field) => [field.name, sampleValue(field.type)]),
    );
  }
  if (isScalarType(type)) {
    const candidates: unknown[] = ['x', 1, true, '2030-01-01T00:00:00Z', '2030-01-01', 'UTC', 'someone@example.com', {}];
    for (const candidate of candidates) {
      try {
        if (type.parseValue(candidate) !== undefined) return candidate;
      } catch {
        // try the next one
      }
    }
  }
  throw new Error(`no sample value for ${String(type)}`);
}

/** An operation calling one root field with sample values for its required arguments. */
function operationFor({ root, field }: RootField) {
  const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const variables = Object.fromEntries(required.map((arg) => [arg.name, sampleValue(arg.type)]));
  const declarations = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  const kind = root === schema.getMutationType() ? 'mutation' : 'query';
  return {
    query: `${kind} Probe${declarations ? `(${declarations})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`,
    variables,
  };
}

describe('schema contract', () => {
  it('schema.graphql is exactly what the code prints', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed, 'schema.graphql is stale: run `npm run schema:print`').toBe(printSchemaFile());
  });

  it('prints the @requiresScopes directive with Apollo Router\'s signature', () => {
    expect(printedSchemaWithoutDescriptions()).toContain('directive @requiresScopes(scopes: [[String!]!]!) on OBJECT | FIELD_DEFINITION | INTERFACE');
    expect(printedSchemaWithoutDescriptions()).toContain('directive @authenticated on FIELD_DEFINITION');
  });

  it.each(rootFields().map((root) => [`${root.root.name}.${root.field.name}`, root] as const))(
    '%s declares @requiresScopes or @authenticated, not both',
    (_name, { field }) => {
      const requirement = requirementOf(field);
      expect(Boolean(requirement) !== isOpen(field), 'exactly one of @requiresScopes and @authenticated').toBe(true);
      if (requirement) {
        expect(requirement.length).toBeGreaterThan(0);
        for (const alternative of requirement) {
          expect(alternative.length).toBeGreaterThan(0);
          for (const scope of alternative) expect(ALL_SCOPES).toContain(scope);
        }
      }
    },
  );

  it('has root fields to check', () => {
    expect(rootFields().map(({ field }) => field.name)).toEqual(expect.arrayContaining(['viewer', 'apiKeys', 'createApiKey', 'auditEvents']));
  });
});

describeIntegrationOnOneTier('the directive is what is enforced', (harness) => {
  let org: TestOrganization;
  const keysByScopes = new Map<string, string>();

  beforeAll(async () => {
    org = await harness.organization('LIVE');
  });

  async function keyWith(scopes: string[]): Promise<string> {
    const id = [...scopes].sort().join(' ');
    if (!keysByScopes.has(id)) {
      keysByScopes.set(id, (await harness.makeKey({ organization: org, environment: 'LIVE', scopes })).secret);
    }
    return keysByScopes.get(id)!;
  }

  const guarded = rootFields().filter(({ root, field }) => root !== schema.getSubscriptionType() && requirementOf(field));

  it.each(guarded.map((root) => [`${root.root.name}.${root.field.name}`, root] as const))(
    '%s refuses a key without its scopes: HTTP 200, null for the field, FORBIDDEN with requiredScopes equal to the directive',
    async (_name, root) => {
      const requirement = requirementOf(root.field)!;
      const withheld = new Set(requirement.flat());
      const others = ALL_SCOPES.filter((scope) => !withheld.has(scope));
      const { query, variables } = operationFor(root);
      const response = await harness.request(query, { key: await keyWith(others), variables });

      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const errors = response.body.errors ?? [];
      expect(errors, JSON.stringify(errors)).toHaveLength(1);
      expect(errors[0]!.path).toEqual([root.field.name]);
      expect(errors[0]!.extensions).toEqual({
        code: 'FORBIDDEN',
        type: 'permission_error',
        requiredScopes: requirement,
        requestId: response.headers.get('x-request-id'),
      });
      expect(response.body.data).toEqual({ [root.field.name]: null });
    },
  );

  // Queries and mutations alike: the placeholder arguments may well be refused
  // (NOT_FOUND, BAD_USER_INPUT, or a business-rule FORBIDDEN such as escalation),
  // but never by the scope check, which is the one error carrying requiredScopes.
  it.each(guarded.map((root) => [`${root.root.name}.${root.field.name}`, root] as const))(
    '%s admits a key holding exactly one alternative of its requirement',
    async (_name, root) => {
      const { query, variables } = operationFor(root);
      for (const alternative of requirementOf(root.field)!) {
        const response = await harness.request(query, { key: await keyWith(alternative), variables });
        const scopeDenials = (response.body.errors ?? []).filter((error) => 'requiredScopes' in error.extensions);
        expect(scopeDenials, `${alternative.join('+')}: ${JSON.stringify(response.body.errors)}`).toEqual([]);
      }
    },
  );

  const open = rootFields().filter(({ root, field }) => root !== schema.getSubscriptionType() && isOpen(field));
  it.each(open.map((root) => [`${root.root.name}.${root.field.name}`, root] as const))(
    '%s is open to any valid key',
    async (_name, root) => {
      const { query, variables } = operationFor(root);
      const response = await harness.request(query, { key: await keyWith(['analytics:read']), variables });
      const codes = (response.body.errors ?? []).map((error) => error.extensions.code);
      expect(codes).not.toContain('FORBIDDEN');
    },
  );

  it('keeps the other fields\' data next to a denied one', async () => {
    const response = await harness.request('{ viewer { organization { id } } apiKeys { id } }', { key: await keyWith(['event-types:read']) });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ viewer: { organization: { id: org.organizationId } }, apiKeys: null });
    expect(response.body.errors?.[0]?.extensions).toEqual({
      code: 'FORBIDDEN',
      type: 'permission_error',
      requiredScopes: [['keys:read']],
      requestId: response.headers.get('x-request-id'),
    });
  });
});
