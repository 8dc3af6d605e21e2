/**
 * Latency with one connection, to the microsecond: requests sent one after
 * another over one keep-alive socket, each timed from the write to the last
 * byte of the answer. (autocannon keeps whole milliseconds, so its figures
 * say 0 or 1 for answers that take a fraction of one.)
 */
import { Agent, request } from 'node:http';

export type Latency = { p50: number; p99: number; samples: number };

export async function oneConnectionLatency(port: number, key: string, body: string, seconds: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until) {
      const start = performance.now();
      const status = await post(agent, port, key, body);
      if (status !== 200) throw new Error(`answered ${status}`);
      samples.push(performance.now() - start);
    }
  } finally {
    agent.destroy();
  }
  return samples;
}

/** p50 and p99 in milliseconds of samples gathered over several rounds. */
export function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

function post(agent: Agent, port: number, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
