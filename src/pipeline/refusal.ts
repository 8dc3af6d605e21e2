import { refusalResponse } from '../graphql/error-mapping.js';
import type { AppError } from '../lib/errors.js';
import type { PipelineContext } from './pipeline-context.js';

/**
 * A stage that ends the request itself (body limit, a method a route does not
 * answer, the metrics token) answers through here: the refusal carries the
 * request's id, and the access log learns its code.
 */
export function refusalFor(context: PipelineContext, error: AppError): Response {
  context.observation?.codes.push(error.code);
  return refusalResponse(error, context.requestId);
}
