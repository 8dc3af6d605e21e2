import type { Plugin } from 'graphql-yoga';
import type { DatabaseAvailability } from '../db/availability.js';
import { toGraphQLError } from '../graphql/error-mapping.js';
import { databaseUnavailable } from '../lib/errors.js';

/**
 * While the database is known to be away, a valid operation is answered 503
 * SERVICE_UNAVAILABLE with Retry-After at once, before it runs, rather than
 * each of its fields failing in turn. What needs no database still answers
 * as usual, earlier in the pipeline: a refused key (cached or malformed), a
 * limit, a document that does not validate.
 */
export function useDatabaseGate(availability: DatabaseAvailability): Plugin {
  const refuse = ({ setResultAndStopExecution }: { setResultAndStopExecution(result: { errors: Error[] }): void }) => {
    if (availability.isDown) setResultAndStopExecution({ errors: [toGraphQLError(databaseUnavailable())] });
  };
  return { onExecute: refuse, onSubscribe: refuse };
}
