/**
 * Requests fetch() would never send (an unparsable Host, a request target
 * that is not a path, a method no route answers), written on raw sockets to
 * the real server process: each gets a 4xx in our error shape, never a 500 or
 * a stack trace, and the server keeps serving.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { describeProcessesOnOneTier } from '../helpers/integration.js';
import { demoKeyOf, startServer, type RunningServer } from '../helpers/processes.js';
import { createDatabaseUrl } from '../helpers/test-database.js';

type RawResponse = { status: number; headers: Record<string, string>; body: string };

const STACK_LINE = /^\s+at /m;

/** Chunked transfer coding undone; the text is latin1, one character per byte. */
function unchunk(text: string): string {
  let body = '';
  for (let rest = text; ; ) {
    const end = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, end), 16);
    if (!size) return body;
    body += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}

/** Sends `lines` as the request head (Connection: close added), then `body`, and reads the answer until the server closes. */
function send(port: number, lines: string[], body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = [...lines, 'Connection: close', '', ''].join('\r\n') + body;
    const socket = connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${lines[0]!.slice(0, 80)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...fields] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        fields.map((field) => [field.slice(0, field.indexOf(':')).toLowerCase(), field.slice(field.indexOf(':') + 1).trim()]),
      );
      const raw = text.slice(split + 4);
      const body = Buffer.from(headers['transfer-encoding'] === 'chunked' ? unchunk(raw) : raw, 'latin1').toString('utf8');
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body });
    });
  });
}

describeProcessesOnOneTier('bad HTTP gets a 4xx, never a 500', () => {
  let server: RunningServer;
  let demo: { keyFile: string; key: string } | undefined;
  let get: (path: string, ...headers: string[]) => Promise<RawResponse>;
  const warnings = () => server.output.stdout.split('\n').filter((line) => line.includes('"level":40'));

  let database: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    // The tier's migrated database (a copy of the run's template): what is tested is HTTP, and memory://
    // would spend seconds of CPU creating and migrating a database in the child first.
    database = await createDatabaseUrl();
    server = await startServer({ DATABASE_URL: database.url, BOOTSTRAP_DEMO: 'true' });
    demo = demoKeyOf(server);
    get = (path, ...headers) => send(server.port, [`GET ${path} HTTP/1.1`, 'Host: localhost', ...headers]);
  }, 60_000);
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
    }
    // On PostgreSQL the demo key is in a temporary folder of its own; in PGlite's folder otherwise.
    if (demo) rmSync(dirname(demo.keyFile), { recursive: true, force: true });
    await database?.drop();
  });

  async function expectStillServing() {
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  }

  function expectRefusal(response: RawResponse, status: number, code: string) {
    expect(response.status, response.body).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).not.toMatch(STACK_LINE);
    const { errors } = JSON.parse(response.body) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({ code, type: 'invalid_request_error' });
    return errors[0]!;
  }

  describe('an unusable Host or request target: 400 BAD_REQUEST and one warn line', () => {
    const long = `/graphql?query=${'a'.repeat(8000)}%`;
    it.each([
      ['Host: [::1 (unclosed IPv6 literal)', ['GET /health HTTP/1.1', 'Host: [::1']],
      ['Host: a b c', ['GET /health HTTP/1.1', 'Host: a b c']],
      ['Host: x:99999 (port out of range)', ['GET /health HTTP/1.1', 'Host: x:99999']],
      ['Host: x:0', ['GET /ready HTTP/1.1', 'Host: x:0']],
      ['Host: 1.2.3.256 (no IPv4 address)', ['GET /graphql HTTP/1.1', 'Host: 1.2.3.256']],
      ['Host: evil.example/x (a path in the Host)', ['GET /health HTTP/1.1', 'Host: evil.example/x']],
      ['Host: user@evil.example', ['POST /graphql HTTP/1.1', 'Host: user@evil.example', 'Content-Length: 0']],
      ['two Host headers', ['GET /health HTTP/1.1', 'Host: localhost', 'Host: evil.example']],
      ['two Host headers, written differently', ['GET /health HTTP/1.1', 'Host: localhost', 'HOST: evil.example']],
      ['GET http://[bad/graphql (a target that is not a path)', ['GET http://[bad/graphql HTTP/1.1', 'Host: localhost']],
      ['OPTIONS * (asterisk-form)', ['OPTIONS * HTTP/1.1', 'Host: localhost']],
      ['GET /graphql%zz (bad percent-encoding)', ['GET /graphql%zz HTTP/1.1', 'Host: localhost']],
      ['a long target with a stray % at its end', [`GET ${long} HTTP/1.1`, 'Host: localhost']],
    ])('%s', async (_label, lines) => {
      const before = warnings().length;
      const response = await send(server.port, lines);
      const error = expectRefusal(response, 400, 'BAD_REQUEST');
      expect(error.message).toMatch(/Host header|request target/);
      expect(response.headers.connection).toBe('close');
      await eventually(() => warnings().length > before, 2000, 'the warn line');
      const added = warnings().slice(before);
      expect(added).toHaveLength(1);
      // The warn line is the request's access log line: it names the id the answer carries.
      const requestId = response.headers['x-request-id'];
      expect(error.extensions.requestId).toBe(requestId);
      expect(JSON.parse(added[0]!)).toMatchObject({ msg: 'refused a malformed request', problem: error.message, requestId, status: 400 });
      await expectStillServing();
    });
  });

  describe('a method the path does not answer: 405 METHOD_NOT_ALLOWED with Allow', () => {
    const graphql = 'GET, POST, OPTIONS';
    const read = 'GET, HEAD, OPTIONS';
    it.each([
      ['PUT', '/graphql', graphql],
      ['DELETE', '/graphql', graphql],
      ['PATCH', '/graphql', graphql],
      ['PROPFIND', '/graphql', graphql],
      ['PUT', '/health', read],
      ['DELETE', '/health', read],
      ['PATCH', '/ready', read],
      ['POST', '/ready', read],
      ['DELETE', '/graphiql/assets/graphiql.css', read],
    ])('%s %s', async (method, path, allow) => {
      const response = await send(server.port, [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Content-Length: 0']);
      const error = expectRefusal(response, 405, 'METHOD_NOT_ALLOWED');
      expect(response.headers.allow).toBe(allow);
      expect(error.extensions.allowed).toEqual(allow.split(', '));
      expect(error.extensions.requestId).toBe(response.headers['x-request-id']);
      await expectStillServing();
    });

    it('HEAD /graphql: 405 with Allow, no body', async () => {
      const response = await send(server.port, ['HEAD /graphql HTTP/1.1', 'Host: localhost']);
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe(graphql);
      expect(response.body).toBe('');
    });

    it('a method node does not know (BREW) gets node’s own 400, before any of our code', async () => {
      const response = await send(server.port, ['BREW /graphql HTTP/1.1', 'Host: localhost']);
      expect(response.status).toBe(400);
      expect(response.body).toBe('');
      await expectStillServing();
    });

    it('a path nobody serves stays 404 whatever the method', async () => {
      expect((await send(server.port, ['PUT /nowhere HTTP/1.1', 'Host: localhost', 'Content-Length: 0'])).status).toBe(404);
      // GitHub's secret-scanning alerts are served only with SECRET_SCANNING_PUBLIC_KEYS set.
      expect((await send(server.port, ['POST /secret-scanning HTTP/1.1', 'Host: localhost', 'Content-Length: 0'])).status).toBe(404);
    });
  });

  describe('what is served stays served', () => {
    it.each(['localhost', '127.0.0.1:4000', '[::1]:4000', 'api.example.com', 'example.com:'])('Host: %s', async (host) => {
      const response = await send(server.port, ['GET /health HTTP/1.1', `Host: ${host}`]);
      expect(response.status).toBe(200);
    });

    it('HEAD on /health, /ready and GraphiQL files', async () => {
      for (const path of ['/health', '/ready', '/graphiql/assets/graphiql.css']) {
        const response = await send(server.port, [`HEAD ${path} HTTP/1.1`, 'Host: localhost']);
        expect(response.status, path).toBe(200);
      }
    });

    it('CORS preflights on /graphql', async () => {
      const response = await send(server.port, [
        'OPTIONS /graphql HTTP/1.1',
        'Host: localhost',
        'Origin: https://shop.example.com',
        'Access-Control-Request-Method: POST',
      ]);
      expect(response.status).toBe(204);
    });

    it('GET and POST on /graphql, with percent-encoding and a query in the target', async () => {
      const { key } = demo!;
      const viaGet = await get('/graphql?query=%7B%20viewer%20%7B%20scopes%20%7D%20%7D', `Authorization: Bearer ${key}`);
      expect(viaGet.status, viaGet.body).toBe(200);
      expect(JSON.parse(viaGet.body).data.viewer.scopes).toContain('keys:manage');
      const body = JSON.stringify({ query: '{ viewer { scopes } }' });
      const viaPost = await send(server.port, [
        'POST /graphql HTTP/1.1',
        'Host: localhost',
        'Content-Type: application/json',
        `Authorization: Bearer ${key}`,
        `Content-Length: ${body.length}`,
      ], body);
      expect(viaPost.status, viaPost.body).toBe(200);
    });
  });

  it('a target past node’s header limit gets node’s own 431, and the server keeps serving', async () => {
    const response = await get(`/graphql?query=${'a'.repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(response.body).not.toMatch(STACK_LINE);
    await expectStillServing();
  });

  it('logged no error and no stack trace for any of it', async () => {
    const { stdout, stderr } = server.output;
    expect(stdout).not.toMatch(/"level":(50|60)/);
    expect(stdout + stderr).not.toMatch(STACK_LINE);
    expect(server.child.exitCode).toBeNull();
  });
});
