import { getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requirementText } from '../auth/access/requirement-algebra.js';
import { scopeReport } from '../graphql/scope-report.js';
import { isAppError } from '../lib/errors.js';
import type { PipelineContext } from './pipeline-context.js';

/** Names, for the operation sent, the scopes it needs (`requirementText`: `a | b+c`, or `none`). */
export const ACCEPTED_SCOPES_HEADER = 'Tessera-Accepted-Scopes';

/** As many documents as Yoga's parse and validation caches keep (lru-cache, max 1024). */
const REMEMBERED_DOCUMENTS = 1024;

/**
 * The header's value per document text and operation name, worked out once
 * and remembered (least recently used forgotten first). Variables are not
 * part of the key: an `@include`/`@skip` on a variable counts as included,
 * so the header names what the operation may need whatever values it is
 * sent with: a key holding that is refused no field for want of a scope. (`Query.requiredScopes`
 * takes variables for the exact answer.) Null: no header, when the
 * requirement is past the report's caps.
 */
export class AcceptedScopes {
  private readonly remembered = new Map<string, string | null>();
  /** Answers from memory, and those worked out (the benchmark and a test read them). */
  hits = 0;
  misses = 0;

  constructor(private readonly maxDocuments = REMEMBERED_DOCUMENTS) {}

  headerFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, text: string | undefined): string | null {
    const key = text === undefined ? undefined : `${operationName ?? ''}\n${text}`;
    if (key !== undefined && this.remembered.has(key)) {
      this.hits++;
      const value = this.remembered.get(key)!;
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.remembered.delete(key);
      this.remembered.set(key, value);
      return value;
    }
    this.misses++;
    const value = headerValue(schema, document, operationName);
    if (key !== undefined) {
      if (this.remembered.size >= this.maxDocuments) this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(key, value);
    }
    return value;
  }
}

function headerValue(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): string | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  try {
    return requirementText(scopeReport(schema, document, operation).alternatives);
  } catch (error) {
    // Past the report's caps: the operation still runs (enforcement needs no report), without the header.
    if (isAppError(error)) return null;
    throw error;
  }
}

/**
 * The `Tessera-Accepted-Scopes` header on every response to an operation a
 * valid key sent (GitHub's X-Accepted-OAuth-Scopes, for scopes). Set when
 * execution starts, so only admitted requests with a valid document get it;
 * it travels with the rate-limit headers the operation pipeline sets.
 */
export function useAcceptedScopesHeader(cache = new AcceptedScopes()): Plugin {
  return {
    onExecute({ args }) {
      const context = args.contextValue as PipelineContext;
      if (!context.principal) return;
      const text = context.params?.query ?? args.document.loc?.source.body;
      const value = cache.headerFor(args.schema, args.document, args.operationName, text);
      // The request's own headers object (admission made it): added to, not copied.
      if (value !== null) (context.responseHeaders ??= {})[ACCEPTED_SCOPES_HEADER] = value;
    },
  };
}
