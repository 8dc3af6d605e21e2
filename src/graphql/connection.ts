import type { ArgBuilder, ObjectRef } from '@pothos/core';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize, type PageRequest } from '../lib/cursor.js';
import { builder } from './builder.js';

export type Page<T> = { nodes: T[]; hasNextPage: boolean; cursorOf: (node: T) => string };

/** The `first` and `after` arguments every list field takes, described once; spread them where the field lists its arguments. */
export function pageArgs(arg: ArgBuilder<RequestTypes>) {
  return {
    first: arg.int({
      required: false,
      description: `Page size: 1 to ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when omitted.`,
    }),
    after: arg.string({
      required: false,
      description: 'The endCursor of the previous page (or any edge cursor) of this same list; omitted: the first page.',
    }),
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
  description: 'Where a page ends and whether another follows.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when more nodes follow: ask again with `after: endCursor`.' }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: 'Pass as `after` for the next page. Null when the page is empty.',
    }),
  }),
});

/** A cursor connection type (`edges { cursor node }`, `pageInfo`) for one node type. */
export function connectionOf<T>(name: string, nodeRef: ObjectRef<RequestTypes, T>) {
  const EdgeRef = builder.objectRef<{ cursor: string; node: T }>(`${name}Edge`).implement({
    description: `One ${name} of a page, with its cursor.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: 'Opaque; pass as `after` to continue after this node.' }),
      // Pothos cannot relate a generic T to its own resolver shape; the ref guarantees it.
      node: t.field({ type: nodeRef, description: `The ${name}.`, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    description: `A page of ${name} nodes, in the order the list field states.`,
    fields: (t) => ({
      edges: t.field({
        type: [EdgeRef],
        description: 'The nodes of this page, each with its cursor.',
        resolve: (page) => page.nodes.map((node) => ({ cursor: page.cursorOf(node), node })),
      }),
      nodes: t.field({ type: [nodeRef], description: 'The same nodes as edges, without cursors.', resolve: (page) => page.nodes }),
      pageInfo: t.field({
        type: PageInfoRef,
        description: 'Whether another page follows, and the cursor to ask for it.',
        resolve: (page) => {
          const last = page.nodes.at(-1);
          return { hasNextPage: page.hasNextPage, endCursor: last ? page.cursorOf(last) : null };
        },
      }),
    }),
  });
}

type RequestTypes = (typeof builder)['$inferSchemaTypes'];
