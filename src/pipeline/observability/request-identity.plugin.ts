import type { Plugin } from 'graphql-yoga';
import { clientAddress, type ProxyTrust } from '../client-address.js';
import type { PipelineContext } from '../pipeline-context.js';
import { requestIdFor } from './request-id.js';

/**
 * The first stage of every request, before anything can end it: its id, its
 * client address (worked out here once; admission reuses it) and its start,
 * for the access log at its end.
 */
export function useRequestIdentity(proxies: ProxyTrust): Plugin {
  return {
    onRequest({ request, serverContext }) {
      const context = serverContext as PipelineContext;
      const peer = context.req?.socket?.remoteAddress ?? null;
      context.requestId = requestIdFor(request.headers.get('x-request-id'), peer, proxies);
      context.clientIp = clientAddress(request, peer, proxies);
      context.observation = { startedAt: performance.now(), codes: [] };
    },
  };
}
