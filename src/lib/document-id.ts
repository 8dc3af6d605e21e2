import { createHash } from 'node:crypto';

/**
 * A GraphQL document's identifier: `sha256:` and the lowercase hex SHA-256 of
 * its exact text (UTF-8), the "prefixed document identifier" of the
 * GraphQL-over-HTTP persisted documents draft, and what GraphQL Code
 * Generator's client preset writes into its `persisted-documents.json`.
 * Whitespace counts: the same operation printed differently is another document.
 */
export const DOCUMENT_ID_PREFIX = 'sha256:';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The hex SHA-256 of a document's text. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const documentIdOf = (text: string): string => `${DOCUMENT_ID_PREFIX}${documentHash(text)}`;

export const documentIdFromHash = (hash: string): string => `${DOCUMENT_ID_PREFIX}${hash}`;

/** The hex hash a `sha256:<64 hex digits>` identifier names (any case); null for anything else. */
export function hashOfDocumentId(id: string): string | null {
  if (!id.startsWith(DOCUMENT_ID_PREFIX)) return null;
  const hash = id.slice(DOCUMENT_ID_PREFIX.length).toLowerCase();
  return SHA256_HEX.test(hash) ? hash : null;
}
