import type { Plugin } from 'graphql-yoga';
import { appError } from '../lib/errors.js';
import type { PipelineContext } from './pipeline-context.js';
import { refusalFor } from './refusal.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

const tooLarge = (maxBytes: number, context: PipelineContext) =>
  refusalFor(context, appError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`, { maxBytes }));

/**
 * Refuses request bodies over `maxBytes` with a 413 before anything parses
 * them: by Content-Length when declared, otherwise by reading a copy of a
 * chunked body only as far as the limit.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    // Not async: a body whose length is declared (nearly all) is judged on the spot, without a promise.
    onRequest({ request, serverContext, endResponse }) {
      const context = serverContext as PipelineContext;
      if (!WITH_BODY.has(request.method)) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (Number(declared) > maxBytes) endResponse(tooLarge(maxBytes, context));
        return;
      }
      return countStreamed(request, maxBytes).then((within) => {
        if (!within) endResponse(tooLarge(maxBytes, context));
      });
    },
  };
}

/** Reads a copy of a body sent without its length, as far as `maxBytes`: false once it is longer. */
async function countStreamed(request: Request, maxBytes: number): Promise<boolean> {
  const reader = request.clone().body?.getReader();
  if (!reader) return true;
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return false;
    }
  }
}
