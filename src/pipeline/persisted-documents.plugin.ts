import type { Plugin } from 'graphql-yoga';
import { tenantOf, type Principal } from '../auth/principal.js';
import { toGraphQLError } from '../graphql/error-mapping.js';
import { DOCUMENT_ID_PREFIX, documentHash, documentIdOf, hashOfDocumentId } from '../lib/document-id.js';
import { appError, badUserInput, isAppError } from '../lib/errors.js';
import type { TrustedDocumentRegistry } from '../modules/trusted-documents/trusted-document-registry.js';
import type { PipelineContext } from './pipeline-context.js';

export type TrustedDocumentLookup = Pick<TrustedDocumentRegistry, 'find'>;

type Params = Record<string, unknown> & { query?: unknown; documentId?: unknown };

/**
 * Persisted documents (GraphQL over HTTP, persisted documents draft): a
 * request may name a trusted document of its key's organization and world by
 * `documentId` (in a POST body, or a GET query string) instead of sending its
 * text; the text is put in its place before anything parses it. And a public
 * key restricted to trusted documents runs nothing else: what it sends as text
 * must hash to one of them. Runs right after admission, which found the key's
 * world; the documents are held in memory (trusted-document-registry.ts), so
 * neither costs a query once the world is warm.
 */
export function usePersistedDocuments(documents: TrustedDocumentLookup): Plugin {
  const apply = async (principal: Principal, requested: unknown, params: Params, setParams: (params: Params) => void): Promise<void> => {
    try {
      if (requested !== undefined) {
        const { documentId: _, ...rest } = params;
        setParams({ ...rest, query: await registeredText(documents, principal, requested, params) });
        return;
      }
      if (typeof params.query === 'string') await assertTrusted(documents, principal, params.query);
    } catch (error) {
      // Fails the whole request, where there is no field to blame.
      throw isAppError(error) ? toGraphQLError(error) : error;
    }
  };
  return {
    // Not async: a document sent as text by a key not held to trusted documents (nearly every request) waits for nothing.
    onParams({ params, request, context, setParams }) {
      const { principal } = context as unknown as PipelineContext;
      if (!principal) return;
      const requested = requestedDocumentId(params as Params, request);
      if (requested === undefined && !principal.key.trustedDocumentsOnly) return;
      return apply(principal, requested, params as Params, setParams as (params: Params) => void);
    },
  };
}

/** The `documentId` of the request: in a JSON body as Yoga passed it on, and in a GET's query string, which Yoga does not read. */
function requestedDocumentId(params: Params, request: Request): unknown {
  if (params.documentId !== undefined && params.documentId !== null) return params.documentId;
  if (request.method !== 'GET') return undefined;
  return new URL(request.url).searchParams.get('documentId') ?? undefined;
}

async function registeredText(documents: TrustedDocumentLookup, principal: Principal, documentId: unknown, params: Params): Promise<string> {
  if (params.query !== undefined && params.query !== null) {
    throw badUserInput('documentId', 'send a document either by its documentId or as query, not both.');
  }
  const hash = typeof documentId === 'string' ? hashOfDocumentId(documentId) : null;
  if (hash === null) throw badUserInput('documentId', `expected ${DOCUMENT_ID_PREFIX} followed by 64 hexadecimal digits.`);
  const text = await documents.find(tenantOf(principal), hash);
  if (text !== undefined) return text;
  // The lookup is confined to the key's own organization and world: another organization's document is as unknown as one never registered.
  const world = principal.key.environment.toLowerCase();
  throw appError(
    'PERSISTED_DOCUMENT_NOT_FOUND',
    `No trusted document with id "${DOCUMENT_ID_PREFIX}${hash}" among this organization's ${world} documents; register it first (registerTrustedDocuments, or npm run cli -- documents:register).`,
    { documentId: `${DOCUMENT_ID_PREFIX}${hash}` },
  );
}

async function assertTrusted(documents: TrustedDocumentLookup, principal: Principal, query: string): Promise<void> {
  if ((await documents.find(tenantOf(principal), documentHash(query))) !== undefined) return;
  throw appError(
    'FORBIDDEN',
    "This key runs only the organization's trusted documents: send a registered document by its documentId, or its exact text.",
    { reason: 'UNTRUSTED_DOCUMENT', documentId: documentIdOf(query) },
  );
}
