import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';

export type WidgetServerOptions = {
  port: number;
  host: string;
  /** Written into the page; the query string (?api=…&key=…) overrides both. */
  apiUrl: string;
  publicKey: string;
};

export type WidgetServer = { url: string; origin: string; close(): Promise<void> };

const here = new URL('.', import.meta.url);

/** Bundles the widget's TypeScript into one small browser script, in memory. */
export async function buildWidget(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('src/main.ts', here).pathname],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: false,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const escapeAttribute = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function renderPage(options: WidgetServerOptions): Promise<string> {
  const template = await readFile(new URL('index.html', here), 'utf8');
  return template
    .replace('{{API_URL}}', escapeAttribute(options.apiUrl))
    .replace('{{PUBLIC_KEY}}', escapeAttribute(options.publicKey));
}

/**
 * Serves the page and its script, nothing else: a stand-in for the developer's
 * own site, on its own origin so every API call is cross-origin.
 */
export async function startWidgetServer(options: WidgetServerOptions): Promise<WidgetServer> {
  const [page, script] = await Promise.all([renderPage(options), buildWidget()]);
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://widget');
    if (pathname === '/' || pathname === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(page);
    } else if (pathname === '/widget.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      response.end(script);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('Not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
