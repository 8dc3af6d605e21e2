import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { maskError, toGraphQLError, useErrorTypes } from '../../src/graphql/error-mapping.js';
import { appError, ERROR_CODES, errorTypeFor, type ErrorCodeEntry } from '../../src/lib/errors.js';
import { createLogger } from '../../src/lib/logger.js';
import { captureLogs } from '../helpers/captured-logs.js';

const mask = maskError(createLogger('silent'));

/** What Drizzle throws: its own error, with the driver's as the cause. */
function wrapped(cause: unknown) {
  return Object.assign(new Error('Failed query: select 1'), { cause });
}

describe('error shaping', () => {
  it.each([
    ['postgres.js, server gone', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['postgres.js, client ended', Object.assign(new Error('write CONNECTION_ENDED'), { code: 'CONNECTION_ENDED' })],
    ['PGlite, closed', new Error('PGlite is closed')],
    ['PostgreSQL, admin shutdown', Object.assign(new Error('terminating connection'), { code: '57P01' })],
  ])('recognizes an unreachable database (%s), also wrapped by Drizzle', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(wrapped(error))).toBe(true);
  });

  it('does not mistake query errors for an unreachable database', () => {
    expect(isDatabaseUnavailable(wrapped(Object.assign(new Error('duplicate key'), { code: '23505' })))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });

  it('turns a field failing on an unreachable database into SERVICE_UNAVAILABLE, with no status of its own', () => {
    const located = new GraphQLError('Failed query', { originalError: wrapped(new Error('PGlite is closed')), path: ['eventTypes'] });
    const masked = mask(located) as GraphQLError;
    expect(masked.message).not.toContain('Failed query');
    expect(masked.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', type: 'api_error', retryAfter: 2 });
    expect(masked.path).toEqual(['eventTypes']);
  });

  it('answers 503 with Retry-After when nothing but the outage is left, 200 with Retry-After when data is', () => {
    const unavailable = () => mask(new GraphQLError('Failed query', { originalError: wrapped(new Error('PGlite is closed')), path: ['eventTypes'] })) as GraphQLError;
    const processResult = useErrorTypes().onResultProcess as (payload: { result: unknown }) => void;
    const withoutData = { data: null, errors: [unavailable()] };
    const withData = { data: { viewer: { scopes: [] }, eventTypes: null }, errors: [unavailable()] };
    processResult({ result: withoutData });
    processResult({ result: withData });
    expect(withoutData.errors[0]!.extensions.http).toEqual({ status: 503, headers: { 'Retry-After': '2' } });
    expect(withData.errors[0]!.extensions.http).toEqual({ headers: { 'Retry-After': '2' } });
  });

  it('masks unexpected errors without revealing their message', () => {
    const masked = mask(new GraphQLError('x', { originalError: new Error('relation "secret_table" does not exist') })) as GraphQLError;
    expect(masked.message).not.toContain('secret_table');
    expect(masked.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', type: 'api_error' });
  });

  it('answers 500 for an unexpected failure outside any field, and keeps a failing field at 200', () => {
    const outsideFields = mask(new Error('context exploded')) as GraphQLError;
    expect(outsideFields.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } });
    const inField = mask(new GraphQLError('x', { originalError: new Error('resolver exploded'), path: ['eventTypes'] })) as GraphQLError;
    expect(inField.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', type: 'api_error' });
  });

  it('passes errors we raise on purpose through with their code, message and details', () => {
    const error = appError('NOT_FOUND', 'No event type with id "x".');
    const masked = mask(new GraphQLError(error.message, { originalError: error, path: ['eventType'] })) as GraphQLError;
    expect(masked.message).toBe('No event type with id "x".');
    expect(masked.extensions).toEqual({ code: 'NOT_FOUND', type: 'invalid_request_error' });
    const mapped = toGraphQLError(appError('INVALID_API_KEY', 'x'));
    expect(mask(mapped)).toBe(mapped);
  });

  it('gives request-level errors their HTTP status and field-level errors none', () => {
    expect(toGraphQLError(appError('INVALID_API_KEY', 'x')).extensions).toMatchObject({
      code: 'INVALID_API_KEY',
      type: 'authentication_error',
      http: { status: 401 },
    });
    const field = toGraphQLError(appError('FORBIDDEN', 'x', { requiredScopes: [['keys:read']] }), { path: ['apiKeys'], nodes: undefined });
    expect(field.extensions).toEqual({ code: 'FORBIDDEN', type: 'permission_error', requiredScopes: [['keys:read']] });
  });

  it('adds Retry-After to a request-level refusal that says when to retry', () => {
    const limited = toGraphQLError(appError('RATE_LIMITED', 'x', { retryAfter: 7 }));
    expect(limited.extensions).toMatchObject({ retryAfter: 7, http: { status: 429, headers: { 'Retry-After': '7' } } });
  });

  it('logs an unexpected error once, with the request id the response shows, and never its message in the response', () => {
    const logs = captureLogs('info');
    const masked = maskError(logs.logger)(new GraphQLError('x', { originalError: new Error('relation "secret_table" does not exist'), path: ['eventTypes'] }));
    expect(logs.lines).toEqual([]);
    let shaped: { errors: GraphQLError[] } | undefined;
    const processResult = useErrorTypes(logs.logger).onResultProcess as (payload: unknown) => void;
    processResult({
      result: { data: { eventTypes: null }, errors: [masked] },
      setResult: (result: { errors: GraphQLError[] }) => (shaped = result),
      serverContext: { requestId: 'req-42' },
    });
    const [error] = shaped!.errors;
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      message: expect.stringContaining('It has been logged under extensions.requestId'),
      path: ['eventTypes'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', type: 'api_error', requestId: 'req-42' },
    });
    expect(logs.lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'unexpected error', requestId: 'req-42', path: 'eventTypes', err: expect.objectContaining({ message: 'relation "secret_table" does not exist' }) }),
    ]);
  });

  it('stamps a copy of a shared error, not the error Yoga caches for the next request', () => {
    const cached = new GraphQLError('Cannot query field "x" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const processResult = useErrorTypes().onResultProcess as (payload: unknown) => void;
    const ids: unknown[] = [];
    for (const requestId of ['first', 'second']) {
      processResult({ result: { errors: [cached] }, setResult: (result: { errors: GraphQLError[] }) => ids.push(result.errors[0]!.extensions.requestId), serverContext: { requestId } });
    }
    expect(ids).toEqual(['first', 'second']);
    expect(cached.extensions.requestId).toBeUndefined();
  });

  it('holds the error table of the contract', () => {
    const table = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, entry]: [string, ErrorCodeEntry]) => [code, [entry.status, entry.type]]));
    expect(table).toMatchObject({
      UNAUTHORIZED: [401, 'authentication_error'],
      INVALID_API_KEY: [401, 'authentication_error'],
      FORBIDDEN: [403, 'permission_error'],
      BAD_USER_INPUT: [400, 'invalid_request_error'],
      NOT_FOUND: [undefined, 'invalid_request_error'],
      SERVICE_UNAVAILABLE: [503, 'api_error'],
    });
    expect(errorTypeFor('GRAPHQL_VALIDATION_FAILED')).toBe('invalid_request_error');
    expect(errorTypeFor('GRAPHQL_PARSE_FAILED')).toBe('invalid_request_error');
  });

  it('answers 500 for an error of a field-only code raised outside any field: a bug of ours, not the caller’s', () => {
    expect(toGraphQLError(appError('SLOT_UNAVAILABLE', 'x')).extensions).toMatchObject({ http: { status: 500 } });
  });

  it('keeps a response with data at 200 whatever status an error next to it asked for, with its headers', () => {
    const processResult = useErrorTypes().onResultProcess as (payload: { result: unknown }) => void;
    const escaped = new GraphQLError('x', { path: ['a'], extensions: { code: 'RATE_LIMITED', http: { status: 429, headers: { 'Retry-After': '3' } } } });
    const result = { data: { a: null, b: 1 }, errors: [escaped] };
    processResult({ result });
    expect(escaped.extensions.http).toEqual({ headers: { 'Retry-After': '3' } });
  });

  it('gives Yoga’s refusal of a mutation over GET the code of a refused method', () => {
    const processResult = useErrorTypes().onResultProcess as (payload: { result: unknown }) => void;
    const refused = new GraphQLError('Can only perform a mutation operation from a POST request.', {
      extensions: { code: 'BAD_REQUEST', http: { status: 405, headers: { Allow: 'POST' } } },
    });
    processResult({ result: { errors: [refused] } });
    expect(refused.extensions).toMatchObject({ code: 'METHOD_NOT_ALLOWED', type: 'invalid_request_error', allowed: ['POST'], http: { status: 405 } });
  });
});
