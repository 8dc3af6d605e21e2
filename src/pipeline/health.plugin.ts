import type { Plugin } from 'graphql-yoga';
import type { Readiness } from '../lib/readiness.js';
import { READ_METHODS, refuseMethod } from './allowed-methods.js';
import type { PipelineContext } from './pipeline-context.js';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Shared-store state for /ready: Redis is optional, so its loss is a warning, not unreadiness. */
export type SharedStoreStatus = () => { redis: string; warning?: string };

export type HealthOptions = {
  /** A database round trip on a connection of its own (DatabaseHandle.probe). */
  probe: () => Promise<void>;
  /** Draining or faulted instances answer 503 whatever the database says. */
  readiness?: Readiness;
  timeoutMs?: number;
  sharedStore?: SharedStoreStatus;
};

/**
 * `/health`: the process is up. `/ready`: it wants traffic and can reach its
 * database, so a load balancer should send it some. Both are read-only: other
 * methods get 405.
 */
export function useHealthRoutes({ probe, readiness, timeoutMs = 2000, sharedStore = () => ({ redis: 'not configured' }) }: HealthOptions): Plugin {
  const ready = async (): Promise<Response> => {
    const withdrawn = readiness?.withdrawnBecause;
    if (withdrawn) return json({ status: withdrawn }, 503);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
        }),
      ]);
      const { redis, warning } = sharedStore();
      return json({ status: 'ready', database: 'ok', redis, ...(warning ? { warnings: [warning] } : {}) });
    } catch {
      return json({ status: 'unavailable', database: 'unreachable', redis: sharedStore().redis }, 503);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    // Not async: every other request passes through here, and should not pay for a promise.
    onRequest({ request, url, serverContext, endResponse }) {
      const { pathname } = url;
      if (pathname !== '/health' && pathname !== '/ready') return;
      const refused = refuseMethod(request.method, READ_METHODS, serverContext as PipelineContext);
      if (refused) return endResponse(refused);
      if (pathname === '/health') return endResponse(json({ status: 'ok' }));
      return ready().then(endResponse);
    },
  };
}
