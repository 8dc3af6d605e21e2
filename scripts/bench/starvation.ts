/**
 * `npm run bench:starvation`: can one tenant starve another? The full app
 * (memory stores) runs in its own process with two organizations. The victim
 * sends a trivial query every VICTIM_INTERVAL_MS, one at a time, first alone
 * and then while the flooder's live public key sends BENCH_FLOOD_RATE
 * (default 16) 62-day `availability` queries a second without waiting for
 * answers, from many client addresses, for BENCH_DURATION seconds (default 10).
 * The flooder is a process of its own, so reading its answers does not slow
 * the victim's clock. When the flood stops, its unanswered requests are
 * abandoned, as clients that went away. A tool, not a test: it prints the
 * victim's latencies.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Flooder } from '../../test/helpers/flooder.js';

const VICTIM_QUERY = '{ viewer { scopes } }';
const DURATION_MS = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const RATE = Number(process.env.BENCH_FLOOD_RATE ?? 16);
const HOSTS = Number(process.env.BENCH_FLOOD_HOSTS ?? 3);
const VICTIM_INTERVAL_MS = 100;
const DAY_MS = 86_400_000;

type Answer = { ms: number; status: number; bytes: number; code?: string };
type FloodOrder = { url: string; flood: Flooder; durationMs: number };
type FloodReport = { sent: number; answers: Answer[] };

async function post(url: string, key: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
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

/** The flooder's process: RATE requests a second, not waiting for answers, then abandons what is unanswered. */
async function flood({ url, flood, durationMs }: FloodOrder): Promise<FloodReport> {
  const from = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS + DAY_MS);
  const body = JSON.stringify({
    query: 'query ($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start end localStart localEnd availableHosts } }',
    variables: { id: flood.eventTypeId, from: from.toISOString(), to: new Date(from.getTime() + 62 * DAY_MS).toISOString() },
  });
  const abandon = new AbortController();
  const sent: Array<Promise<Answer | undefined>> = [];
  const started = Date.now();
  while (Date.now() - started < durationMs) {
    const headers = { origin: flood.origin, 'x-forwarded-for': `198.51.100.${(sent.length % 250) + 1}` };
    sent.push(post(url, flood.key, body, headers, abandon.signal).catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (sent.length * 1000) / RATE - Date.now())));
  }
  abandon.abort();
  const answers = (await Promise.all(sent)).filter((answer): answer is Answer => answer !== undefined);
  return { sent: sent.length, answers };
}

if (process.env.BENCH_FLOODER) {
  const [order] = (await once(process, 'message')) as [FloodOrder];
  process.send!(await flood(order));
  process.exit(0);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const summary = (values: number[]) => ({
  requests: values.length,
  'p50 ms': Math.round(percentile(values, 50)),
  'p95 ms': Math.round(percentile(values, 95)),
  'max ms': Math.round(Math.max(...values)),
});

const here = fileURLToPath(import.meta.url);
const target = fork(fileURLToPath(new URL('./target.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env, BENCH_MODE: 'memory', BENCH_FLOOD_HOSTS: String(HOSTS), TRUST_PROXY: 'true' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const flooder = fork(here, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_FLOODER: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
try {
  const [ready] = (await once(target, 'message')) as [{ port: number; key: string; flood: Flooder }];
  const url = `http://127.0.0.1:${ready.port}/graphql`;
  const victim = () => post(url, ready.key, JSON.stringify({ query: VICTIM_QUERY }));
  /** The victim's sequential requests until `ms` have passed. */
  const victimFor = async (ms: number) => {
    const latencies: number[] = [];
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, VICTIM_INTERVAL_MS))) {
      latencies.push((await victim()).ms);
    }
    return latencies;
  };

  for (let i = 0; i < 20; i++) await victim();
  const alone = await victimFor(DURATION_MS);
  flooder.send({ url, flood: ready.flood, durationMs: DURATION_MS } satisfies FloodOrder);
  const report = once(flooder, 'message') as Promise<[FloodReport]>;
  const during = await victimFor(DURATION_MS);
  const [{ sent, answers }] = await report;
  const afterwards = await victim();

  const codes = new Map<string, number>();
  for (const answer of answers) codes.set(answer.code ?? String(answer.status), (codes.get(answer.code ?? String(answer.status)) ?? 0) + 1);
  console.log(
    `\nvictim: ${VICTIM_QUERY} one at a time, every ${VICTIM_INTERVAL_MS} ms · flooder: 62-day availability, ${HOSTS} hosts around the clock, ` +
      `${RATE}/s for ${DURATION_MS / 1000} s · full app, memory stores, PGlite in memory, 127.0.0.1\n`,
  );
  console.table({ 'victim alone': summary(alone), 'victim during flood': summary(during) });
  console.log(
    `flood: ${sent} sent, ${answers.length} answered before it stopped (the rest abandoned): ` +
      `${[...codes].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none'}; ` +
      `median answer ${Math.round(percentile(answers.map((a) => a.ms), 50))} ms, largest ${Math.max(0, ...answers.map((a) => a.bytes)).toLocaleString('en')} bytes`,
  );
  console.log(`victim right after the flood was abandoned: ${Math.round(afterwards.ms)} ms`);
} finally {
  target.kill('SIGKILL');
  flooder.kill('SIGKILL');
}
