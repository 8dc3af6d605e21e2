import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * The widget's whole API client: one POST per operation with the public key,
 * naming a trusted document by its id (GraphQL over HTTP persisted
 * documents), and every failure turned into a WidgetError a visitor can read.
 */

export type WidgetConfig = {
  /** The API's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  apiUrl: string;
  /** A pk_live_ key allowing this page's origin, or a pk_test_ key. */
  publicKey: string;
};

export type WidgetErrorKind =
  | 'rate-limited'
  | 'origin-refused'
  | 'secret-key'
  | 'slot-taken'
  | 'invalid-key'
  | 'invalid-input'
  | 'not-registered'
  | 'unreachable'
  | 'failed';

export class WidgetError extends Error {
  constructor(
    readonly kind: WidgetErrorKind,
    message: string,
    /** What the API said, for the site owner; the visitor reads `message`. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

type GraphQLError = { message: string; extensions?: { code?: string; reason?: string; retryAfter?: number } };

function retryAfterSeconds(response: Response, error: GraphQLError): number | undefined {
  const header = Number(response.headers.get('retry-after'));
  if (Number.isFinite(header) && header > 0) return Math.ceil(header);
  const fromBody = error.extensions?.retryAfter;
  return typeof fromBody === 'number' && fromBody > 0 ? Math.ceil(fromBody) : undefined;
}

function waitInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** Decides on codes and reasons the API documents, never on message wording. */
function explain(response: Response, error: GraphQLError): WidgetError {
  const code = error.extensions?.code;
  const reason = error.extensions?.reason;
  if (response.status === 429 || code === 'RATE_LIMITED' || code === 'CONCURRENCY_LIMITED' || code === 'FIELD_RATE_LIMITED') {
    const wait = retryAfterSeconds(response, error);
    const when = wait ? `in ${waitInWords(wait)}` : 'in a moment';
    return new WidgetError('rate-limited', `Too many requests from this page right now. Please try again ${when}.`, error.message);
  }
  if (reason === 'SECRET_KEY_IN_BROWSER') {
    return new WidgetError(
      'secret-key',
      'This booking page is set up with a secret key, which must never be used in a web page. The site owner needs to use a public key (pk_…) instead.',
      error.message,
    );
  }
  if (reason === 'ORIGIN_NOT_ALLOWED' || reason === 'ORIGIN_MISSING') {
    return new WidgetError(
      'origin-refused',
      `Booking is not enabled for this website (${location.origin}): its key does not allow this origin.`,
      error.message,
    );
  }
  if (code === 'SLOT_UNAVAILABLE') {
    return new WidgetError('slot-taken', 'Sorry, that time was just taken. Please choose another time.', error.message);
  }
  if (code === 'INVALID_API_KEY' || code === 'UNAUTHORIZED') {
    return new WidgetError('invalid-key', 'This booking page’s key is not valid any more. Please let the site owner know.', error.message);
  }
  if (code === 'PERSISTED_DOCUMENT_NOT_FOUND' || reason === 'UNTRUSTED_DOCUMENT') {
    return new WidgetError(
      'not-registered',
      'This booking page is not set up with the booking service yet: its operations are not registered. Please let the site owner know.',
      error.message,
    );
  }
  if (code === 'BAD_USER_INPUT') {
    return new WidgetError('invalid-input', `Please check your details: ${error.message}`, error.message);
  }
  return new WidgetError('failed', `Something went wrong: ${error.message}`, error.message);
}

/** A document GraphQL Code Generator built with `persistedDocuments`: it carries its id (`sha256:…`), not its text. */
export type PersistedDocument<TResult, TVariables> = TypedDocumentNode<TResult, TVariables> & { __meta__?: { hash?: string } };

export async function request<TResult, TVariables>(
  config: WidgetConfig,
  document: PersistedDocument<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const documentId = document.__meta__?.hash;
  if (!documentId) throw new WidgetError('failed', 'This widget was built without its document ids; run npm run widget:codegen.');
  let response: Response;
  try {
    response = await fetch(config.apiUrl, {
      method: 'POST',
      // application/json makes the browser send a CORS preflight, which the API's CSRF protection expects.
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.publicKey}` },
      body: JSON.stringify({ documentId, variables }),
    });
  } catch {
    // The browser hides why (CORS refusal, server down, offline); say what the likely causes are.
    throw new WidgetError(
      'unreachable',
      `Could not reach the booking service from this page (${location.origin}). It may be down, or this website is not allowed to use it.`,
    );
  }
  let body: { data?: TResult | null; errors?: GraphQLError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new WidgetError('failed', `The booking service answered with HTTP ${response.status} and no readable body.`);
  }
  const [error] = body.errors ?? [];
  if (error) throw explain(response, error);
  if (!body.data) throw new WidgetError('failed', `The booking service answered with HTTP ${response.status} and no data.`);
  return body.data;
}
