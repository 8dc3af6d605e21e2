import { isGraphQLName } from '../../lib/graphql-name.js';

/**
 * Operation names as metric labels. Clients choose them, so each would be a
 * new series in every histogram: the first `max` distinct names are kept and
 * any later one is counted as `(other)`. A restart starts the set afresh.
 * Names that are not GraphQL names (a client's `operationName` parameter can
 * be any string) become `(invalid)`.
 */
export class OperationNames {
  private readonly known = new Set<string>();

  constructor(private readonly max = 500) {}

  of(name: string | null | undefined): string {
    if (!name || name === 'Anonymous') return 'Anonymous';
    if (this.known.has(name)) return name;
    if (!isGraphQLName(name)) return '(invalid)';
    if (this.known.size >= this.max) return '(other)';
    this.known.add(name);
    return name;
  }
}
