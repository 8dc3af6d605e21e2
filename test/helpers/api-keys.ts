/**
 * The key-management operations integration tests keep sending, and the
 * assertions they keep making about errors.
 */
import { expect } from 'vitest';
import type { GraphQLResponse, TestHarness } from './harness.js';

export const API_KEY_FIELDS = `id name type environment preview scopes allowedOrigins allowedIps status createdAt
  createdBy { id role } expiresAt lastUsedAt lastUsedIp revokedAt`;

export type KeyInput = {
  name?: string;
  type?: 'SECRET' | 'PUBLIC';
  environment?: 'LIVE' | 'TEST';
  scopes: string[];
  expiresIn?: 'DAYS_7' | 'DAYS_30' | 'DAYS_90' | 'NEVER';
  allowedOrigins?: string[];
  usageLimit?: { requests: number; refill?: { every: 'DAY' | 'WEEK' | 'MONTH'; amount: number } };
  allowedIps?: string[];
  ownerServiceAccountId?: string;
  trustedDocumentsOnly?: boolean;
};

export function createKey(harness: TestHarness, callerKey: string, input: KeyInput) {
  return harness.request(
    `mutation Create($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${API_KEY_FIELDS} } } }`,
    {
      key: callerKey,
      variables: {
        input: { name: 'made in a test', type: 'SECRET', environment: 'TEST', expiresIn: 'NEVER', ...input },
      },
    },
  );
}

/** Creates a key through the API and returns its id and secret; fails the test if refused. */
export async function createdKey(harness: TestHarness, callerKey: string, input: KeyInput) {
  const response = await createKey(harness, callerKey, input);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  const created = response.body.data!.createApiKey;
  return { id: created.apiKey.id as string, secret: created.secret as string, apiKey: created.apiKey };
}

export function updateKey(harness: TestHarness, callerKey: string, id: string, input: Record<string, unknown>) {
  return harness.request(
    `mutation Update($id: ID!, $input: UpdateApiKeyInput!) { updateApiKey(id: $id, input: $input) { ${API_KEY_FIELDS} } }`,
    { key: callerKey, variables: { id, input } },
  );
}

export function revokeKey(harness: TestHarness, callerKey: string, id: string) {
  return harness.request(`mutation Revoke($id: ID!) { revokeApiKey(id: $id) { ${API_KEY_FIELDS} } }`, {
    key: callerKey,
    variables: { id },
  });
}

export function rollKey(harness: TestHarness, callerKey: string, id: string, expireOldKeyInSeconds?: number, allowedIps?: string[]) {
  return harness.request(
    `mutation Roll($id: ID!, $grace: Int, $ips: [String!]) { rollApiKey(id: $id, expireOldKeyInSeconds: $grace, allowedIps: $ips) { secret apiKey { ${API_KEY_FIELDS} } } }`,
    { key: callerKey, variables: { id, grace: expireOldKeyInSeconds ?? 0, ips: allowedIps } },
  );
}

export const KEY_POLICY_FIELDS = 'maxLifetimeDays enforceOnExisting requireAllowedIpsForLiveSecretKeys publicKeysAllowed liveKeysAllowedForRole updatedAt';

export function updatePolicy(harness: TestHarness, callerKey: string, input: Record<string, unknown>) {
  return harness.request(
    `mutation Policy($input: UpdateOrganizationKeyPolicyInput!) { updateOrganizationKeyPolicy(input: $input) { ${KEY_POLICY_FIELDS} } }`,
    { key: callerKey, variables: { input } },
  );
}

/** A refusal by one of the organization's key-policy rules: BAD_USER_INPUT naming the input and the rule. */
export function expectPolicyRefusal(response: GraphQLResponse, rule: string, field: string) {
  const error = expectBadUserInput(response, field);
  expect(error.extensions.reason).toBe(`policy.${rule}`);
  expect(error.message).toContain(rule);
  return error;
}

export function viewer(harness: TestHarness, key: string) {
  return harness.request('{ viewer { scopes organization { id } apiKey { id status } } }', { key });
}

/** A request refused as a whole: the status, one error with this code, and no data. */
export function expectRequestError(response: GraphQLResponse, status: number, code: string, message?: RegExp) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  const [error] = response.body.errors!;
  expect(error!.extensions.code).toBe(code);
  expect(typeof error!.extensions.type).toBe('string');
  expect(error!.extensions).not.toHaveProperty('http');
  if (message) expect(error!.message).toMatch(message);
  return error!;
}

/**
 * Invalid arguments: HTTP 200 (GraphQL over HTTP: `data` is present; 400 when the variables
 * themselves cannot be coerced, so nothing ran) and one BAD_USER_INPUT naming the argument in
 * `extensions.field` and at the start of the message; the refused field is null.
 */
export function expectBadUserInput(response: GraphQLResponse, field?: string, status = 200) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const errors = response.body.errors ?? [];
  expect(errors.map((error) => error.extensions.code), JSON.stringify(errors)).toEqual(['BAD_USER_INPUT']);
  const [error] = errors;
  expect(error!.extensions.type).toBe('invalid_request_error');
  expect(error!.extensions).not.toHaveProperty('http');
  expect(typeof error!.extensions.field).toBe('string');
  expect(error!.message.startsWith(`${error!.extensions.field}:`)).toBe(true);
  if (field) expect(error!.extensions.field).toBe(field);
  for (const value of Object.values(response.body.data ?? {})) expect(value).toBeNull();
  return error!;
}

/** The single error of a response with this code (field-level errors keep HTTP 200 unless stated). */
export function expectFieldError(response: GraphQLResponse, code: string, status = 200) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const errors = response.body.errors ?? [];
  expect(errors.map((error) => error.extensions.code), JSON.stringify(errors)).toEqual([code]);
  expect(errors[0]!.extensions).not.toHaveProperty('http');
  return errors[0]!;
}

export function expectOk(response: GraphQLResponse) {
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  expect(response.status).toBe(200);
  return response.body.data!;
}
