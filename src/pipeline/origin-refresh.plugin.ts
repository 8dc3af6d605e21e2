import { Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { PipelineContext } from './pipeline-context.js';

/** Mutations that can add, change or remove a key's allowed origins. */
const KEY_MUTATIONS = new Set(['createApiKey', 'updateApiKey', 'rollApiKey', 'revokeApiKey']);

function changesKeys(document: DocumentNode): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.operation === 'mutation' &&
      definition.selectionSet.selections.some(
        // A fragment at the root of a mutation is rare; refreshing once too often is cheap.
        (selection) => selection.kind !== Kind.FIELD || KEY_MUTATIONS.has(selection.name.value),
      ),
  );
}

/**
 * After an operation that changed keys, reloads the origin registry before the
 * response leaves, so the page that just created a key can use it at once.
 */
export function useOriginRefreshOnKeyChange(registry: { refresh(): Promise<void> }): Plugin {
  return {
    onExecute({ args }) {
      const operation = (args.contextValue as PipelineContext).operation;
      if (operation && changesKeys(args.document)) operation.afterResult.push(() => registry.refresh());
    },
  };
}
