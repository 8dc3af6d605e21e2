import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { API_KEY_PATTERN } from '../auth/key-format.js';
import { READ_METHODS, refuseMethod } from './allowed-methods.js';
import { graphiqlFetcherScript } from './graphiql.js';
import type { PipelineContext } from './pipeline-context.js';

/**
 * GraphiQL served from our own origin. Yoga's default page loads its script,
 * styles and editor workers from a CDN, which fails on machines without
 * internet access and lets a third party run code next to an admin's key. The
 * same files ship in `@graphql-yoga/graphiql`; we serve them from there.
 */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets/';

const distDir = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');

/** The only files served, so no request path ever reaches the file system unchecked. */
const ASSETS: Record<string, string> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};

const asset = (name: string) => GRAPHIQL_ASSETS_PATH + name;

/** Keeps `</script>` and friends inside a JSON literal from ending the script element. */
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Yoga's GraphiQL page with every URL pointing at our own assets. */
export function renderLocalGraphiQL(options: Record<string, unknown> = {}): string {
  const title = escapeHtml(String(options.title ?? 'GraphiQL'));
  const workers = {
    editorWorkerService: asset('monacoeditorwork/editor.worker.bundle.js'),
    json: asset('monacoeditorwork/json.worker.bundle.js'),
    graphql: asset('monacoeditorwork/graphql.worker..bundle.js'),
  };
  // Yoga's GraphiQL opens with its `query` option, else ?query= from the
  // address, else its welcome text: `defaultQuery` alone never reaches the
  // editor. The page below gives a shared ?query= link precedence again.
  const rendered = { ...options, query: options.query ?? options.defaultQuery };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.css')}">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run GraphiQL.</noscript>
<div id="root">Loading ${title}…</div>
<script>
// Monaco wants its workers as URLs it may construct; blob URLs of the fetched code satisfy that.
const workerUrls = ${scriptSafeJson(workers)};
const workers = {};
function prepareWorkers() {
  return Promise.all(Object.entries(workerUrls).map(async ([label, url]) => {
    const code = await (await fetch(url)).text();
    workers[label] = URL.createObjectURL(new Blob([code], { type: 'application/javascript' }));
  }));
}
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
</script>
<script src="${asset('yoga-graphiql.umd.js')}"></script>
<script>
const options = ${scriptSafeJson(rendered)};
const linked = new URLSearchParams(location.search).get('query');
if (linked) options.query = linked;
${graphiqlFetcherScript(API_KEY_PATTERN)}prepareWorkers().finally(() => {
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
});
</script>
</body>
</html>
`;
}

/** Serves the whitelisted GraphiQL files, read once and kept in memory, to GET and HEAD only. */
export function useGraphiQLAssets(): Plugin {
  const cache = new Map<string, Promise<Buffer>>();
  const file = (name: string) => {
    let body = cache.get(name);
    if (!body) {
      body = readFile(join(distDir, name));
      cache.set(name, body);
    }
    return body;
  };
  return {
    // Not async: every other request passes through here, and should not pay for a promise.
    onRequest({ request, url, serverContext, endResponse }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      const name = url.pathname.slice(GRAPHIQL_ASSETS_PATH.length);
      const contentType = ASSETS[name];
      if (!contentType) return endResponse(new Response('Not found', { status: 404 }));
      const refused = refuseMethod(request.method, READ_METHODS, serverContext as PipelineContext);
      if (refused) return endResponse(refused);
      return file(name).then((body) =>
        endResponse(new Response(new Uint8Array(body), { headers: { 'content-type': contentType, 'cache-control': 'public, max-age=3600' } })),
      );
    },
  };
}
