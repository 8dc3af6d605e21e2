/**
 * `npm run bench:starvation`: can one tenant starve another? The full app
 * (memory stores) runs in its own process with two organizations. The victim
 * sends a trivial query every VICTIM_INTERVAL_MS, one at a time, first alone
 * and then while the flooder's live public key sends BENCH_FLOOD_RATE
 * (default 16) 62-day `availability` queries a second without waiting for
 * answers, from many client addresses, for BENCH_DURATION seconds (default 10).
 * When the flood stops, its unanswered requests are abandoned, as clients
 * that went away. A tool, not a test: it prints the victim's latencies.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Flooder } from './starvation-seed.js';

const VICTIM_QUERY = '{ viewer { scopes } }';
const DURATION_MS = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const RATE = Number(process.env.BENCH_FLOOD_RATE ?? 16);
const HOSTS = Number(process.env.BENCH_FLOOD_HOSTS ?? 3);
const VICTIM_INTERVAL_MS = 100;
const DAY_MS = 86_400_000;

const child = fork(fileURLToPath(new URL('./target.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, BENCH_MODE: 'memory', BENCH_FLOOD_HOSTS: String(HOSTS), TRUST_PROXY: 'true' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const [ready] = (await once(child, 'message')) as [{ port: number; key: string; flood: Flooder }];
const url = `http://127.0.0.1:${ready.port}/graphql`;

const from = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS);
const floodBody = JSON.stringify({
  query: 'query ($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start end localStart localEnd availableHosts } }',
  variables: { id: ready.flood.eventTypeId, from: from.toISOString(), to: new Date(from.getTime() + 62 * DAY_MS).toISOString() },
});

type Answer = { ms: number; status: number; bytes: number; code?: string };

async function post(key: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body,
    signal,
  });
  const text = await response.text();
  const ms = performance.now() - started;
  const code = text.length < 10_000 ? (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code : undefined;
  return { ms, status: response.status, bytes: text.length, code };
}

const victim = () => post(ready.key, JSON.stringify({ query: VICTIM_QUERY }));

/** The victim's sequential requests until `stop` says so. */
async function victimUntil(stop: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  while (!stop()) {
    latencies.push((await victim()).ms);
    await new Promise((resolve) => setTimeout(resolve, VICTIM_INTERVAL_MS));
  }
  return latencies;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const describe = (values: number[]) => ({
  requests: values.length,
  'p50 ms': Math.round(percentile(values, 50)),
  'p95 ms': Math.round(percentile(values, 95)),
  'max ms': Math.round(Math.max(...values)),
});

try {
  for (let i = 0; i < 20; i++) await victim();
  await post(ready.flood.key, floodBody, { origin: ready.flood.origin, 'x-forwarded-for': '198.51.100.1' });

  let end = Date.now() + DURATION_MS;
  const alone = await victimUntil(() => Date.now() > end);

  const abandon = new AbortController();
  const flood: Array<Promise<Answer | undefined>> = [];
  end = Date.now() + DURATION_MS;
  const sender = setInterval(() => {
    const address = `198.51.100.${(flood.length % 250) + 1}`;
    const headers = { origin: ready.flood.origin, 'x-forwarded-for': address };
    flood.push(post(ready.flood.key, floodBody, headers, abandon.signal).catch(() => undefined));
  }, 1000 / RATE);
  const during = await victimUntil(() => Date.now() > end);
  clearInterval(sender);
  abandon.abort();
  const flooded = (await Promise.all(flood)).filter((answer): answer is Answer => answer !== undefined);
  const afterwards = await victim();

  const codes = new Map<string, number>();
  for (const answer of flooded) codes.set(answer.code ?? String(answer.status), (codes.get(answer.code ?? String(answer.status)) ?? 0) + 1);
  console.log(
    `\nvictim: ${VICTIM_QUERY} one at a time, every ${VICTIM_INTERVAL_MS} ms · flooder: 62-day availability, ${HOSTS} hosts around the clock, ` +
      `${RATE}/s for ${DURATION_MS / 1000} s · full app, memory stores, PGlite in memory, 127.0.0.1\n`,
  );
  console.table({ 'victim alone': describe(alone), 'victim during flood': describe(during) });
  console.log(
    `flood: ${flood.length} sent, ${flooded.length} answered before the flood stopped (the rest abandoned); ` +
      `answers: ${[...codes].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none'}; ` +
      `median answer ${Math.round(percentile(flooded.map((a) => a.ms), 50))} ms, ` +
      `largest ${Math.max(0, ...flooded.map((a) => a.bytes)).toLocaleString('en')} bytes`,
  );
  console.log(`victim right after the flood was abandoned: ${Math.round(afterwards.ms)} ms`);
} finally {
  child.kill('SIGKILL');
}
