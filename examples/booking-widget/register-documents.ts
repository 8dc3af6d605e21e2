import { readFile } from 'node:fs/promises';

/** The manifest GraphQL Code Generator wrote (codegen.ts): each document's id and its text. */
const MANIFEST = new URL('src/gql/persisted-documents.json', import.meta.url);

const REGISTER = 'mutation RegisterWidgetDocuments($documents: [String!]!) { registerTrustedDocuments(documents: $documents) { id } }';

/**
 * The widget's deploy step: registers its documents as the organization's
 * trusted documents (in the world of the key used), so the page, which sends
 * only their ids, is answered, also with a public key held to trusted
 * documents. Needs a secret key with keys:manage: run it from a server or CI,
 * never from the page. Registering again is harmless. Answers the ids.
 */
export async function registerWidgetDocuments(apiUrl: string, secretKey: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Record<string, string>;
  const response = await fetch(apiUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secretKey}` },
    body: JSON.stringify({ query: REGISTER, variables: { documents: Object.values(manifest) } }),
  }).catch((error: unknown) => {
    throw new Error(`could not reach ${apiUrl} to register the widget's documents (${error instanceof Error ? error.message : String(error)})`);
  });
  const body = (await response.json()) as { data?: { registerTrustedDocuments: Array<{ id: string }> | null }; errors?: Array<{ message: string }> };
  if (body.errors?.length || !body.data?.registerTrustedDocuments) {
    throw new Error(`registering the widget's documents failed (HTTP ${response.status}): ${body.errors?.map((error) => error.message).join('; ')}`);
  }
  const ids = body.data.registerTrustedDocuments.map((document) => document.id);
  // The API must name each document as the build did, or the page would send ids it does not know.
  const built = Object.keys(manifest);
  if (ids.some((id, index) => id !== built[index])) throw new Error(`the API identifies the widget's documents as ${ids.join(', ')}; the build as ${built.join(', ')}`);
  return ids;
}
