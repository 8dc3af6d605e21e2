/**
 * With Redis, a request waits on one Redis round trip: the key's window and
 * the organization's slot are asked for in one script, and the slot's
 * release is not waited for. A proxy between the app and a
 * real redis-server holds every reply back 300 ms and records, per command,
 * when it was sent: a second round trip on the request path would be a
 * command sent after a reply came back.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestHarness, type TestOrganization } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const binary = inject('redisServerBinary');
const REPLY_DELAY_MS = 300;

type Sent = { at: number; command: string };

/** A TCP proxy that delays Redis's replies and notes the name of each command the app sends. */
async function slowProxy(target: number) {
  const sent: Sent[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      // RESP arrays: *N\r\n$len\r\nNAME\r\n… — every command in the chunk, by name.
      for (const match of chunk.toString('latin1').matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g)) sent.push({ at: Date.now(), command: match[1]!.toUpperCase() });
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => setTimeout(() => client.destroyed || client.write(chunk), REPLY_DELAY_MS));
    for (const socket of [client, upstream]) socket.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    sent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.skipIf(!binary)('Redis round trips on the request path', () => {
  let redis: RedisServer;
  let proxy: Awaited<ReturnType<typeof slowProxy>>;
  let harness: TestHarness;
  let org: TestOrganization;

  beforeAll(async () => {
    redis = await startRedisServer(binary!);
    proxy = await slowProxy(redis.port);
    harness = await TestHarness.start({ REDIS_URL: proxy.url, REDIS_TIMEOUT_MS: '2000', FIELD_RATE_LIMITS: 'off' });
    await harness.app.redis!.waitUntilReady(5000);
    org = await harness.organization();
    await harness.request('{ viewer { scopes } }', { key: org.adminKey }); // the key verified and cached
  });
  afterAll(async () => {
    await harness.stop();
    await proxy.close();
    await redis.stop();
  });

  it('sends everything the request waits for in one write, before any reply', async () => {
    await new Promise((resolve) => setTimeout(resolve, REPLY_DELAY_MS * 2)); // earlier replies drained
    const startedAt = Date.now();
    const from = proxy.sent.length;
    const response = await harness.request('{ viewer { scopes } }', { key: org.adminKey });
    const answeredAt = Date.now();
    expect(response.status).toBe(200);
    const during = proxy.sent.slice(from).filter((sent) => sent.at <= answeredAt);
    const firstReplyAt = startedAt + REPLY_DELAY_MS;
    // Asked before the first reply could have come back: the window count and the slot, in one script.
    const before = during.filter((sent) => sent.at < firstReplyAt - 50);
    const after = during.filter((sent) => sent.at >= firstReplyAt - 50);
    expect(before.map((sent) => sent.command)).toEqual(['EVALSHA']);
    // After it, only the slot's release, which nobody waits for.
    expect(after.map((sent) => sent.command).filter((command) => command !== 'ZREM')).toEqual([]);
    // One delayed reply on the path, not two.
    expect(answeredAt - startedAt).toBeLessThan(REPLY_DELAY_MS * 2);
  });
});
