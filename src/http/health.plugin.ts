import type { Plugin } from 'graphql-yoga';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * `/health`: the process is up. `/ready`: it can reach its database, so a load
 * balancer should send it traffic.
 */
export function useHealthRoutes(ping: () => Promise<void>, timeoutMs = 2000): Plugin {
  return {
    async onRequest({ request, endResponse }) {
      const { pathname } = new URL(request.url);
      if (pathname === '/health') return endResponse(json({ status: 'ok' }));
      if (pathname !== '/ready') return;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
          }),
        ]);
        endResponse(json({ status: 'ready', database: 'ok' }));
      } catch {
        endResponse(json({ status: 'unavailable', database: 'unreachable' }, 503));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
