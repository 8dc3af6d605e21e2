/**
 * The member and service-account operations integration tests send.
 */
import type { TestHarness } from './harness.js';
import { API_KEY_FIELDS, expectOk } from './api-keys.js';

export const MEMBER_FIELDS = 'id email name role active createdAt';
export const SERVICE_ACCOUNT_FIELDS = 'id name role createdAt';
export const OWNER_FIELDS = `owner { __typename ... on Member { id } ... on ServiceAccount { id } } recipient { id }`;

type Role = 'ADMIN' | 'MEMBER';

export function addMember(harness: TestHarness, key: string, input: { email: string; name?: string; role: Role }) {
  return harness.request(`mutation Add($input: AddMemberInput!) { addMember(input: $input) { ${MEMBER_FIELDS} } }`, {
    key,
    variables: { input },
  });
}

export function updateMember(harness: TestHarness, key: string, id: string, input: { role?: Role; active?: boolean }) {
  return harness.request(`mutation Update($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { ${MEMBER_FIELDS} } }`, {
    key,
    variables: { id, input },
  });
}

export function createServiceAccount(harness: TestHarness, key: string, input: { name: string; role: Role }) {
  return harness.request(
    `mutation Create($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) { ${SERVICE_ACCOUNT_FIELDS} } }`,
    { key, variables: { input } },
  );
}

/** Creates a service account through the API and returns its id; fails the test if refused. */
export async function createdServiceAccount(harness: TestHarness, key: string, input: { name: string; role: Role }): Promise<string> {
  return expectOk(await createServiceAccount(harness, key, input)).createServiceAccount.id as string;
}

export function updateServiceAccount(harness: TestHarness, key: string, id: string, input: { name?: string; role?: Role }) {
  return harness.request(
    `mutation Update($id: ID!, $input: UpdateServiceAccountInput!) { updateServiceAccount(id: $id, input: $input) { ${SERVICE_ACCOUNT_FIELDS} } }`,
    { key, variables: { id, input } },
  );
}

export function deleteServiceAccount(harness: TestHarness, key: string, id: string) {
  return harness.request(`mutation Delete($id: ID!) { deleteServiceAccount(id: $id) { ${SERVICE_ACCOUNT_FIELDS} } }`, {
    key,
    variables: { id },
  });
}

export function transferKey(harness: TestHarness, key: string, id: string, toServiceAccountId: string) {
  return harness.request(
    `mutation Transfer($id: ID!, $to: ID!) { transferApiKey(id: $id, toServiceAccountId: $to) { ${API_KEY_FIELDS} ${OWNER_FIELDS} } }`,
    { key, variables: { id, to: toServiceAccountId } },
  );
}

/** The ids `apiKeys(revealedToInactiveMembers: true)` lists. */
export async function revealedToInactiveMembers(harness: TestHarness, key: string): Promise<string[]> {
  const data = expectOk(await harness.request('{ apiKeys(revealedToInactiveMembers: true) { id } }', { key }));
  return (data.apiKeys as Array<{ id: string }>).map((apiKey) => apiKey.id);
}

/** Whose a key is, as the API tells it. */
export async function ownerOf(harness: TestHarness, key: string, id: string) {
  const data = expectOk(await harness.request(`{ apiKeys(includeRevoked: true) { id ${OWNER_FIELDS} } }`, { key }));
  const found = (data.apiKeys as Array<{ id: string; owner: unknown; recipient: unknown }>).find((apiKey) => apiKey.id === id);
  return { owner: found?.owner, recipient: found?.recipient };
}
