import type { ExecutionResult } from 'graphql';

export const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Passes a stream through, showing each result to `seen`, and calls `done`
 * once when it ends, however it ends (completed, failed, or its client gone).
 */
export async function* untilDone(
  stream: AsyncIterable<ExecutionResult>,
  done: (last: ExecutionResult) => Promise<void> | void,
  seen?: (result: ExecutionResult) => void,
) {
  let last: ExecutionResult = {};
  try {
    for await (const item of stream) {
      last = item;
      seen?.(item);
      yield item;
    }
  } finally {
    await done(last);
  }
}
