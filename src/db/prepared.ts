import type { Executor } from './handle.js';

/** A query Drizzle has built once, run with values for its placeholders. */
export type PreparedRead<Result> = { execute(values: Record<string, unknown>): Promise<Result> };

/**
 * A query built once per database (or transaction) and then only run: Drizzle
 * otherwise turns the query builder into SQL text on every call (about 70 µs
 * for a list query, the largest cost left on a hot read). `build` writes the
 * query with `sql.placeholder(name)` where values go and ends with
 * `.prepare(name)`; the values are given on each call. A transaction is a new
 * executor each time, so inside one the query is built as before.
 */
export function preparedQuery<Result>(build: (db: Executor) => PreparedRead<Result>): (db: Executor, values: Record<string, unknown>) => Promise<Result> {
  const built = new WeakMap<Executor, PreparedRead<Result>>();
  return (db, values) => {
    let query = built.get(db);
    if (!query) built.set(db, (query = build(db)));
    return query.execute(values);
  };
}
