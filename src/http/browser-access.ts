import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import type { Executor } from '../db/client.js';
import type { Logger } from '../lib/logger.js';
import { BrowserOriginRegistry } from '../modules/api-keys/origin-registry.js';
import { useBrowserCors } from './cors.plugin.js';
import { useGraphiQLAssets } from './graphiql-assets.js';
import { useOriginRefreshOnKeyChange } from './origin-refresh.plugin.js';

export type BrowserAccess = {
  /** Origins allowed by some public key; tests and the CLI may refresh it after changing keys directly. */
  origins: BrowserOriginRegistry;
  /** Put first, so a preflight ends before any other plugin does work for it. */
  plugins: Plugin[];
  start(): void;
  stop(): void;
};

/**
 * Everything that lets pages on other sites call the API, and nothing more:
 * CORS per origin, Yoga's CSRF prevention, and GraphiQL served offline.
 *
 * CSRF: a browser client sends `POST` with `Content-Type: application/json`
 * (which makes every cross-site call preflighted); a `GET` must carry an
 * `X-GraphQL-Yoga-CSRF` header. Form-encoded and plain-text posts without it
 * are refused with 403.
 */
export function createBrowserAccess(db: Executor, logger: Logger, now: () => Date): BrowserAccess {
  const origins = new BrowserOriginRegistry(db, logger, now);
  return {
    origins,
    plugins: [
      useBrowserCors(origins),
      useGraphiQLAssets(),
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      useOriginRefreshOnKeyChange(origins),
    ],
    start: () => origins.start(),
    stop: () => origins.stop(),
  };
}
