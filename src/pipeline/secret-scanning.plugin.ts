import type { Plugin } from 'graphql-yoga';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { checkGitHubSignature, type GitHubPublicKeys } from '../lib/github-public-keys.js';
import { appError, databaseUnavailable, isAppError, type AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { parseLeakAlerts, type LeakAlert } from '../modules/secret-scanning/leak-alerts.js';
import type { LeakAnswer } from '../modules/secret-scanning/secret-scanning.service.js';
import { refuseMethod } from './allowed-methods.js';
import type { PipelineContext } from './pipeline-context.js';
import { refusalFor } from './refusal.js';

export const SECRET_SCANNING_PATH = '/secret-scanning';
// OPTIONS is answered on every path, by the CORS stage.
const METHODS: readonly string[] = ['POST', 'OPTIONS'];
const KEY_ID_HEADER = 'github-public-key-identifier';
const SIGNATURE_HEADER = 'github-public-key-signature';

export type SecretScanningEndpoint = {
  /** GitHub's signing keys, as the operator saved them (re-read when the file changes). */
  publicKeys: { current(): Promise<GitHubPublicKeys> };
  answer(alerts: LeakAlert[]): Promise<LeakAnswer>;
  logger: Logger;
};

const unsigned = (why: string) => appError('UNAUTHORIZED', `Secret-scanning alerts must be signed by GitHub: ${why}.`);

/**
 * `POST /secret-scanning`: GitHub's secret-scanning partner alerts. Installed
 * only with SECRET_SCANNING_PUBLIC_KEYS set (otherwise the path is 404), after
 * the body limit. The signature is checked over the exact body bytes before
 * anything parses them, so an unsigned request learns nothing and costs no
 * database work; only then is the body read as an alert and each token answered.
 */
export function useSecretScanningRoute(endpoint: SecretScanningEndpoint): Plugin {
  const { logger } = endpoint;
  const answer = async (request: Request, context: PipelineContext, endResponse: (response: Response) => void): Promise<void> => {
    const refuse = (error: AppError) => endResponse(refusalFor(context, error));
    const refused = refuseMethod(request.method, METHODS, context);
    if (refused) return endResponse(refused);
    if (!isJson(request.headers.get('content-type'))) {
      return refuse(appError('BAD_REQUEST', 'Secret-scanning alerts are JSON: send Content-Type: application/json.'));
    }
    const identifier = request.headers.get(KEY_ID_HEADER);
    const signature = request.headers.get(SIGNATURE_HEADER);
    if (!identifier || !signature) return refuse(unsigned('both the Github-Public-Key-Identifier and Github-Public-Key-Signature headers are needed'));
    const body = new Uint8Array(await request.arrayBuffer());
    const check = checkGitHubSignature(await endpoint.publicKeys.current(), identifier, signature, body);
    if (check !== 'valid') {
      logger.warn({ requestId: context.requestId, keyIdentifier: identifier.slice(0, 100), check }, 'secret scanning: alert refused, signature does not verify');
      return refuse(unsigned(check === 'unknown-key' ? 'the key identifier is not among the GitHub public keys this server holds' : 'the signature does not verify'));
    }
    try {
      const { feedback, acted } = await endpoint.answer(parseLeakAlerts(new TextDecoder().decode(body)));
      logger.info({ requestId: context.requestId, tokens: feedback.length, keys: acted }, 'secret scanning: alert answered');
      return endResponse(new Response(JSON.stringify(feedback), { headers: { 'content-type': 'application/json; charset=utf-8' } }));
    } catch (error) {
      if (isAppError(error)) return refuse(error);
      // 503: GitHub delivers the alert again later, and the key still gets revoked.
      if (isDatabaseUnavailable(error)) return refuse(databaseUnavailable());
      logger.error({ err: error, requestId: context.requestId }, 'secret scanning: alert failed');
      return refuse(appError('INTERNAL_SERVER_ERROR', 'Something went wrong on our side; it has been logged under extensions.requestId.'));
    }
  };
  return {
    // Not async: every other request passes through here, and should not pay for a promise.
    onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== SECRET_SCANNING_PATH) return;
      return answer(request, serverContext as PipelineContext, endResponse);
    },
  };
}

function isJson(contentType: string | null): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}
