import { buildSchema as schemaFromSdl, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  allOf,
  MAX_ALTERNATIVES,
  minimal,
  missingScopes,
  requirementText,
  TooManyAlternatives,
} from '../../src/auth/access/requirement-algebra.js';
import { ALL_SCOPES, effectiveKeyScopes, type Scope, type ScopeRequirement } from '../../src/auth/access/scopes.js';
import { MAX_FIELDS_WALKED, readDocument, scopeReport, selectOperation, type ScopeReport } from '../../src/graphql/scope-report.js';
import type { AppError } from '../../src/lib/errors.js';
import { AcceptedScopes } from '../../src/pipeline/accepted-scopes.plugin.js';
import { buildSchema } from '../../src/schema.js';

const schema = buildSchema();

function reportOf(text: string, variables?: Record<string, unknown>, operationName?: string, on = schema): ScopeReport {
  const document = readDocument(on, text);
  return scopeReport(on, document, selectOperation(document, operationName), variables);
}

const textOf = (text: string, variables?: Record<string, unknown>) => requirementText(reportOf(text, variables).alternatives);

function refusal(work: () => unknown): AppError {
  try {
    work();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('requirements combined (OR of ANDs)', () => {
  it('drops an alternative that contains another (absorption), and orders scopes and alternatives', () => {
    expect(minimal([['team:read', 'keys:read'], ['keys:read'], ['keys:read']])).toEqual([['keys:read']]);
    expect(minimal([['team:write'], ['bookings:read', 'analytics:read']])).toEqual([['team:write'], ['analytics:read', 'bookings:read']]);
    expect(minimal([['keys:read'], []])).toEqual([[]]);
  });

  it('multiplies ANDed requirements out and keeps the result minimal', () => {
    const readOrOwn: ScopeRequirement = [['bookings:read'], ['bookings:read-own']];
    const readOrKeys: ScopeRequirement = [['bookings:read'], ['keys:read']];
    expect(allOf([readOrOwn, readOrKeys])).toEqual([['bookings:read'], ['bookings:read-own', 'keys:read']]);
    expect(allOf([[['event-types:read']], [['team:read'], ['team:write']]])).toEqual([
      ['event-types:read', 'team:read'],
      ['event-types:read', 'team:write'],
    ]);
  });

  it('counts the same requirement once, and needs no scope when nothing needs one', () => {
    expect(allOf([[['keys:read']], [['keys:read']], [[]]])).toEqual([['keys:read']]);
    expect(allOf([])).toEqual([[]]);
  });

  it('refuses to multiply past the cap on alternatives, saying so', () => {
    // Six independent either-or choices: 2^6 = 64 alternatives, at the cap; a seventh doubles them past it.
    const pairs = [0, 2, 4, 6, 8, 10, 12].map((i) => [[ALL_SCOPES[i]!], [ALL_SCOPES[i + 1]!]] as ScopeRequirement);
    expect(allOf(pairs.slice(0, 6))).toHaveLength(MAX_ALTERNATIVES);
    expect(() => allOf(pairs)).toThrow(TooManyAlternatives);
    expect(() => allOf(pairs)).toThrow(`more than ${MAX_ALTERNATIVES} alternative sets of scopes`);
  });

  it('names what a key lacks for the alternative closest to it', () => {
    const requirement: ScopeRequirement = [['audit:read', 'keys:read', 'members:read'], ['bookings:read', 'team:read']];
    expect(missingScopes(requirement, new Set(['team:read']))).toEqual(['bookings:read']);
    expect(missingScopes(requirement, new Set(['bookings:read', 'team:read']))).toEqual([]);
  });

  it('counts groups, * and the public-key ceiling as enforcement does (effective scopes)', () => {
    const requirement: ScopeRequirement = [['bookings:cancel', 'bookings:read']];
    expect(missingScopes(requirement, effectiveKeyScopes(['bookings:write', 'bookings:read'], 'ADMIN', 'SECRET'))).toEqual([]);
    expect(missingScopes([['keys:read']], effectiveKeyScopes(['*'], 'ADMIN', 'PUBLIC'))).toEqual(['keys:read']);
    expect(missingScopes([['keys:read']], effectiveKeyScopes(['*'], 'MEMBER', 'SECRET'))).toEqual(['keys:read']);
  });

  it('prints the compact header form, and none when any valid key will do', () => {
    expect(requirementText([['bookings:read-own'], ['bookings:read']])).toBe('bookings:read | bookings:read-own');
    expect(requirementText([['team:read', 'event-types:read']])).toBe('event-types:read+team:read');
    expect(requirementText([[]])).toBe('none');
  });
});

describe('the walk of an operation over the schema', () => {
  it('needs nothing for fields open to any key, and names each guarded field at its response path', () => {
    expect(reportOf('{ viewer { scopes } }')).toEqual({ alternatives: [[]], fields: [] });
    expect(reportOf('{ types: eventTypes { nodes { id hosts { name email } } } }')).toEqual({
      alternatives: [
        ['event-types:read', 'team:read'],
        ['event-types:read', 'team:write'],
      ],
      fields: [
        { path: 'types', requirement: [['event-types:read']] },
        { path: 'types.nodes.hosts.email', requirement: [['team:read'], ['team:write']] },
      ],
    });
  });

  it("applies a guarded type's requirement to every field read from it, but not to __typename", () => {
    const report = reportOf('{ viewer { apiKey { createdBy { __typename id email } } } }');
    const holders: ScopeRequirement = [['keys:manage'], ['keys:read'], ['members:manage'], ['members:read']];
    expect(report.fields).toEqual([
      { path: 'viewer.apiKey.createdBy.id', requirement: holders },
      { path: 'viewer.apiKey.createdBy.email', requirement: holders },
    ]);
    expect(reportOf('{ viewer { apiKey { createdBy { __typename } } } }').alternatives).toEqual([[]]);
  });

  it('counts every fragment on a possible type of a union, through named and inline fragments', () => {
    const report = reportOf(`
      query { apiKeys { owner { ...Person ... on ServiceAccount { name } } } }
      fragment Person on Member { email }`);
    expect(report.fields.map((field) => field.path)).toEqual(['apiKeys', 'apiKeys.owner.email', 'apiKeys.owner.name']);
    expect(report.alternatives).toEqual([['keys:read']]);
  });

  it('evaluates @include and @skip: literals, given variables and defaults; an unknown condition counts as included', () => {
    const text = 'query($keys: Boolean!, $audit: Boolean = false) { viewer { scopes } apiKeys @include(if: $keys) { id } auditEvents @include(if: $audit) { nodes { id } } }';
    expect(textOf(text, { keys: false })).toBe('none');
    expect(textOf(text, { keys: true })).toBe('keys:read');
    expect(textOf(text, { keys: true, audit: true })).toBe('audit:read+keys:read');
    expect(textOf(text)).toBe('keys:read');
    expect(textOf('{ apiKeys @skip(if: true) { id } webhooks @include(if: false) { id } }')).toBe('none');
    expect(textOf('query($x: Boolean!) { ... @skip(if: $x) { apiKeys { id } } }', { x: true })).toBe('none');
  });

  it('refuses a condition variable that is not a Boolean, naming it', () => {
    const error = refusal(() => reportOf('query($x: Boolean!) { apiKeys @include(if: $x) { id } }', { x: 'yes' }));
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.details.field).toBe('variables.x');
  });

  it('bounds the walk: fragments spreading each other twice over are refused, not expanded for ever', () => {
    const levels = 16;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on Viewer { scopes }` : `fragment F${i} on Viewer { ...F${i + 1} a${i}: apiKey { id } ...F${i + 1} }`,
    );
    const error = refusal(() => reportOf(`{ viewer { ...F0 } } ${fragments.join(' ')}`));
    expect(error.details.field).toBe('document');
    expect(error.message).toContain(`more than ${MAX_FIELDS_WALKED} field selections`);
  });

  it('refuses invalid documents with GraphQL’s own messages, on the argument at fault', () => {
    expect(refusal(() => readDocument(schema, '{ viewer {'))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'document' } });
    expect(refusal(() => readDocument(schema, '{ nope }')).message).toBe('document: Cannot query field "nope" on type "Query".');
    const two = parse('query A { viewer { scopes } } query B { viewer { scopes } }');
    expect(refusal(() => selectOperation(two, null)).message).toBe('operationName: Must provide operation name if query contains multiple operations.');
    expect(refusal(() => selectOperation(two, 'C')).message).toBe('operationName: Unknown operation named "C".');
    expect(selectOperation(two, 'B').name?.value).toBe('B');
    // graphql 16 validates a subscription against a schema without the type; execution then refuses it.
    expect(refusal(() => reportOf('subscription { viewer { scopes } }')).message).toBe('document: Schema is not configured to execute subscription operation.');
  });
});

describe('the walk on interfaces (a schema of its own: Tessera has none yet)', () => {
  const scope = (name: Scope) => `[["${name}"]]`;
  const withInterface = schemaFromSdl(`
    directive @requiresScopes(scopes: [[String!]!]!) on OBJECT | FIELD_DEFINITION | INTERFACE
    interface Entry @requiresScopes(scopes: ${scope('audit:read')}) { id: ID }
    type Note implements Entry { id: ID text: String @requiresScopes(scopes: ${scope('team:read')}) }
    type Payment implements Entry @requiresScopes(scopes: ${scope('analytics:read')}) { id: ID amount: Int }
    type Query { entries: [Entry] }
  `);
  const on = (text: string) => requirementText(reportOf(text, undefined, undefined, withInterface).alternatives);

  it('counts every implementation for a field read on the interface, and its interface’s requirement', () => {
    expect(on('{ entries { id } }')).toBe('analytics:read+audit:read');
  });

  it('counts only the implementations a fragment names', () => {
    expect(on('{ entries { ... on Note { text } } }')).toBe('audit:read+team:read');
    expect(on('{ entries { __typename } }')).toBe('none');
  });
});

describe('the Tessera-Accepted-Scopes cache', () => {
  it('works a document out once per text and operation name, then answers from memory', () => {
    const cache = new AcceptedScopes(2);
    const text = 'query A { apiKeys { id } } query B { viewer { scopes } }';
    const document = readDocument(schema, text);
    expect(cache.headerFor(schema, document, 'A', text)).toBe('keys:read');
    expect(cache.headerFor(schema, document, 'A', text)).toBe('keys:read');
    expect(cache.headerFor(schema, document, 'B', text)).toBe('none');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 2 });
  });

  it('stays bounded: the least recently used document is forgotten first', () => {
    const cache = new AcceptedScopes(2);
    const texts = ['{ apiKeys { id } }', '{ webhooks { id } }', '{ viewer { scopes } }'];
    const ask = (text: string) => cache.headerFor(schema, readDocument(schema, text), null, text);
    ask(texts[0]!);
    ask(texts[1]!);
    ask(texts[0]!);
    ask(texts[2]!);
    ask(texts[0]!);
    ask(texts[1]!);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 4 });
  });
});
