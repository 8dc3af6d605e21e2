import { getLocation, GraphQLError, visit, type ASTNode, type DocumentNode, type ExecutionResult, type SourceLocation } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** What executes an operation in Yoga's hooks (the operation stage wraps it too). */
export type ExecuteFn = Parameters<NonNullable<Plugin['onExecute']>>[0]['executeFn'];
type ExecutionArgs = Parameters<ExecuteFn>[0];

/** A document's operations, compiled (null: graphql-jit could not, so graphql-js runs it). */
type Compiled = Map<string, CompiledQuery | null>;

/**
 * Queries and mutations run as code compiled once per document by graphql-jit
 * instead of graphql-js walking the document on every request: the same
 * resolvers (so the same scope checks, which live in them), about a fifth
 * less CPU per request for the whole app (docs/limits-and-scaling.md).
 *
 * What graphql-jit does differently is brought back to graphql-js's shape, so
 * everything after execution (error mapping, masking, the audit outcome) sees
 * what it always saw:
 * - its errors are its own class with `locations` (line and column) but no
 *   `nodes`; they are rebuilt as graphql-js errors with the same message, path
 *   and cause, and the field nodes at those locations;
 * - variables it cannot coerce come back before any resolver ran: graphql-js
 *   runs that request instead, so the refusal (BAD_USER_INPUT naming the
 *   argument, see variable-errors.ts) is exactly graphql-js's;
 * - a document it cannot compile is run by graphql-js, every time.
 * Documents are the ones Yoga's parse cache hands out, so the compiled code is
 * kept per document object and goes with it. A document is compiled the second
 * time it runs: compiling costs many executions' worth of CPU, which a client
 * repeating its documents earns back at once, and a caller sending a new
 * document every time (to make the server compile) does not get. Subscriptions
 * stay on graphql-js.
 */
export function useCompiledExecution(): Plugin {
  const compiledByDocument = new WeakMap<DocumentNode, Compiled>();

  const compiledFor = (args: ExecutionArgs): CompiledQuery | null => {
    let compiled = compiledByDocument.get(args.document);
    // First sight: graphql-js runs it, and it is remembered as seen (no operation compiled yet).
    if (!compiled) {
      compiledByDocument.set(args.document, new Map());
      return null;
    }
    const name = args.operationName ?? '';
    let query = compiled.get(name);
    if (query === undefined) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined, { disablingCapturingStackErrors: true });
      query = isCompiledQuery(result) ? result : null;
      compiled.set(name, query);
    }
    return query;
  };

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiledFor(args);
      if (!query) return;
      const viaGraphqlJs = executeFn;
      setExecuteFn(async (execution) => {
        const result = (await query.query(execution.rootValue, execution.contextValue, execution.variableValues ?? {})) as ExecutionResult;
        // No `data` at all: its variables did not coerce, and nothing ran. graphql-js says why, in its words.
        if (!('data' in result)) return viaGraphqlJs(execution);
        if (!result.errors) return result;
        const fieldsAt = fieldsByLocation(execution.document);
        return { ...result, errors: result.errors.map((error) => asGraphqlJsError(error, fieldsAt)) };
      });
    },
  };
}

function asGraphqlJsError(error: GraphQLError, fieldsAt: (location: SourceLocation) => ASTNode | undefined): GraphQLError {
  const nodes = (error.locations ?? []).map(fieldsAt).filter((node): node is ASTNode => node !== undefined);
  return new GraphQLError(error.message, {
    nodes: nodes.length > 0 ? nodes : undefined,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
}

/** The document's fields by where they start, worked out once per document (only when an error needs it). */
const fieldIndexes = new WeakMap<DocumentNode, Map<string, ASTNode>>();

function fieldsByLocation(document: DocumentNode): (location: SourceLocation) => ASTNode | undefined {
  let index = fieldIndexes.get(document);
  if (!index) {
    const fields = new Map<string, ASTNode>();
    const source = document.loc?.source;
    if (source) {
      visit(document, {
        Field(node) {
          if (!node.loc) return;
          const { line, column } = getLocation(source, node.loc.start);
          fields.set(`${line}:${column}`, node);
        },
      });
    }
    fieldIndexes.set(document, (index = fields));
  }
  return ({ line, column }) => index.get(`${line}:${column}`);
}
