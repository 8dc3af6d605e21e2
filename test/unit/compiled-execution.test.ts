/**
 * Compiled execution (src/pipeline/compiled-execution.plugin.ts) on a schema of
 * its own: a document runs on graphql-js the first time and compiled from the
 * second, so a caller sending a new document each time never makes the server
 * compile. Which engine answered shows where the two differ: two failing
 * non-null fields of one object are one error on graphql-js, two compiled.
 */
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useCompiledExecution } from '../../src/pipeline/compiled-execution.plugin.js';

const schema = createSchema({
  typeDefs: 'type Query { pair: Pair } type Pair { left: String! right: String! }',
  resolvers: {
    Query: { pair: () => ({}) },
    Pair: {
      left: () => Promise.reject(new Error('left refused')),
      right: () => Promise.reject(new Error('right refused')),
    },
  },
});

async function errorsFor(yoga: ReturnType<typeof createYoga>, query: string): Promise<string[]> {
  const response = await yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data: { pair: null }; errors: Array<{ message: string }> };
  expect(body.data).toEqual({ pair: null });
  return body.errors.map((error) => error.message).sort();
}

describe('compiled execution', () => {
  it('runs a document on graphql-js the first time and compiled from the second', async () => {
    const yoga = createYoga({ schema, plugins: [useCompiledExecution()], maskedErrors: false, logging: false });
    const query = '{ pair { left right } }';
    expect(await errorsFor(yoga, query)).toEqual(['left refused']);
    expect(await errorsFor(yoga, query)).toEqual(['left refused', 'right refused']);
    expect(await errorsFor(yoga, query)).toEqual(['left refused', 'right refused']);
    // Another document is new again.
    expect(await errorsFor(yoga, '{ pair { right left } }')).toEqual(['right refused']);
  });
});
