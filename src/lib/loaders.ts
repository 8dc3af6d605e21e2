/**
 * A function of the request that makes its value once (a request's loaders)
 * and hands that same value out for the rest of the request. Keyed by the
 * object the resolvers share (the GraphQL context), so the value goes with it.
 */
export function perRequest<Scope extends object, Value>(make: (scope: Scope) => Value): (scope: Scope) => Value {
  const made = new WeakMap<Scope, Value>();
  return (scope) => {
    let value = made.get(scope);
    if (value === undefined) {
      value = make(scope);
      made.set(scope, value);
    }
    return value;
  };
}

/** A loader's answer: the rows for `ids`, in their order; undefined where none was found. */
export function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | undefined)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id));
}
