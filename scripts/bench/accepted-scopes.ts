/**
 * `npx tsx scripts/bench/accepted-scopes.ts`: what the Tessera-Accepted-Scopes
 * header costs a request. The same document asked again (what clients do) is
 * answered from the cache by its text and operation name; the first time, the
 * operation is walked over the schema. A tool, not a test: it prints figures.
 */
import { performance } from 'node:perf_hooks';
import { parse } from 'graphql';
import { AcceptedScopes } from '../../src/pipeline/accepted-scopes.plugin.js';
import { buildSchema } from '../../src/schema.js';

const CALLS = 20_000;
const DOCUMENT = `query Booking($id: ID!, $withHistory: Boolean = true) {
  booking(id: $id) { ...Details history @include(if: $withHistory) { type actingKey { id preview } } }
  eventTypes(first: 20) { nodes { id title hosts { id name email } } }
}
fragment Details on Booking { id status startAt attendee { name email } createdByKey { id } host { name email } }`;

const schema = buildSchema();
const document = parse(DOCUMENT);

function perCall(work: () => unknown): number {
  for (let i = 0; i < 1_000; i++) work(); // warm up
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) work();
  return ((performance.now() - started) / CALLS) * 1000;
}

const cached = new AcceptedScopes();
const header = cached.headerFor(schema, document, 'Booking', DOCUMENT);
const repeated = perCall(() => cached.headerFor(schema, document, 'Booking', DOCUMENT));
const firstTime = perCall(() => new AcceptedScopes().headerFor(schema, document, 'Booking', DOCUMENT));

console.log(`Tessera-Accepted-Scopes: ${header}`);
console.log(`repeated document (cache hit): ${repeated.toFixed(2)} µs per request (hits ${cached.hits}, misses ${cached.misses})`);
console.log(`first time (walk and combine): ${firstTime.toFixed(1)} µs`);
