import type { ArgBuilder, ObjectRef } from '@pothos/core';
import { pageSize, type PageRequest } from '../lib/cursor.js';
import { builder } from './builder.js';

export type Page<T> = { nodes: T[]; hasNextPage: boolean; cursorOf: (node: T) => string };

/** The `first` and `after` arguments every list field takes; spread them where the field lists its arguments. */
export function pageArgs(arg: ArgBuilder<RequestTypes>, options: { firstDescription?: string } = {}) {
  const description = options.firstDescription;
  return {
    first: arg.int({ required: false, ...(description === undefined ? {} : { description }) }),
    after: arg.string({ required: false }),
  };
}

/**
 * Resolves a list field: bounds `first` (default 50, at most 200), asks the
 * service for that page, and gives the connection the cursor of each node.
 */
export async function resolveConnection<T>(
  args: { first?: number | null; after?: string | null },
  cursorOf: (node: T) => string,
  list: (page: PageRequest) => Promise<{ nodes: T[]; hasNextPage: boolean }>,
): Promise<Page<T>> {
  const page = await list({ first: pageSize(args.first), after: args.after });
  return { nodes: page.nodes, hasNextPage: page.hasNextPage, cursorOf };
}

const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` for the next page.' }),
  }),
});

/** A cursor connection type (`edges { cursor node }`, `pageInfo`) for one node type. */
export function connectionOf<T>(name: string, nodeRef: ObjectRef<RequestTypes, T>) {
  const EdgeRef = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      // Pothos cannot relate a generic T to its own resolver shape; the ref guarantees it.
      node: t.field({ type: nodeRef, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({
        type: [EdgeRef],
        resolve: (page) => page.nodes.map((node) => ({ cursor: page.cursorOf(node), node })),
      }),
      nodes: t.field({ type: [nodeRef], resolve: (page) => page.nodes }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (page) => {
          const last = page.nodes.at(-1);
          return { hasNextPage: page.hasNextPage, endCursor: last ? page.cursorOf(last) : null };
        },
      }),
    }),
  });
}

type RequestTypes = (typeof builder)['$inferSchemaTypes'];
