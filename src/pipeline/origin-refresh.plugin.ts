import type { Plugin } from 'graphql-yoga';
import type { PipelineContext } from './pipeline-context.js';

/** Mutations that can add, change or remove a key's allowed origins. */
const KEY_MUTATIONS = new Set(['createApiKey', 'updateApiKey', 'rollApiKey', 'revokeApiKey']);

/**
 * After an operation that changed keys, reloads the origin registry before the
 * response leaves, so the page that just created a key can use it at once.
 * Reads the operation's summary (its root fields, fragments expanded), which
 * the pipeline already made for the audit record.
 */
export function useOriginRefreshOnKeyChange(registry: { refresh(): Promise<void> }): Plugin {
  return {
    onExecute({ args }) {
      const { operation } = args.contextValue as PipelineContext;
      const summary = operation?.summary;
      if (summary?.type === 'mutation' && summary.rootFields.some((field) => KEY_MUTATIONS.has(field))) {
        operation!.afterResult.push(() => registry.refresh());
      }
    },
  };
}
