import { appError } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';

/** One match in GitHub's secret-scanning partner alert: `[{ token, type, url, source }]`. */
export type LeakAlert = {
  token: string;
  /** The name the secret type was registered under; echoed in the feedback as `token_type`. */
  type: string;
  /** Where it was found, when the alert gave an http(s) URL of a sensible length. */
  url: string | null;
  source: string | null;
};

const malformed = (problem: string) =>
  appError('BAD_REQUEST', `This is not a secret-scanning alert: ${problem}. Expected a JSON array of { "token", "type", "url", "source" }.`);

/** GitHub's `source` values are short words; anything else is not kept. */
const SOURCE = /^[a-z0-9_.-]{1,64}$/i;

/**
 * Reads a (signed) alert body. Only its shape can refuse it: a token must be
 * a string and a type, when given, a string. What merely describes a leak —
 * an odd URL or source — is dropped rather than refused, because refusing a
 * genuine alert would leave its key working while GitHub retries.
 */
export function parseLeakAlerts(body: string): LeakAlert[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw malformed('the body is not JSON');
  }
  if (!Array.isArray(document)) throw malformed('the body is not an array');
  return document.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw malformed(`item ${index} is not an object`);
    const { token, type, url, source } = entry as Record<string, unknown>;
    if (typeof token !== 'string' || token === '') throw malformed(`item ${index} has no "token" string`);
    if (type !== undefined && typeof type !== 'string') throw malformed(`item ${index} has a "type" that is not a string`);
    return {
      token,
      type: type ?? '',
      url: typeof url === 'string' && url.length <= TEXT_LIMITS.url && /^https?:\/\/[^\s]+$/.test(url) ? url : null,
      source: typeof source === 'string' && SOURCE.test(source) ? source : null,
    };
  });
}
