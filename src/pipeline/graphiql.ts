/** What an admin sees first in GraphiQL: who am I, and how to make a key. */
export const GRAPHIQL_DEFAULT_DOCUMENT = `# Paste your key after "Bearer " in the Headers tab below, then run an operation.
# (Or send it as {"Tessera-Api-Key": "sk_…"} when Authorization is taken by something else, such as a proxy.)

query Viewer {
  viewer {
    organization { id name }
    apiKey { id name preview environment status }
    scopes
  }
}

mutation CreateKey {
  createApiKey(input: {
    name: "Server integration"
    type: SECRET
    environment: TEST
    scopes: ["event-types:read", "availability:read", "bookings:write", "bookings:read"]
    expiresIn: DAYS_90
  }) {
    secret # shown once: store it now
    apiKey { id preview scopes expiresAt }
  }
}
`;

/**
 * The page's fetcher, in place of Yoga's. GraphiQL introspects as it opens,
 * which without a key is a 401 and "Error fetching schema", and then offers no
 * docs or completion until someone finds the refetch button. So: no request
 * for the schema until the Headers tab holds a whole key (Authorization:
 * Bearer, Tessera-Api-Key or X-API-Key), the result pane saying so meanwhile; and the schema
 * is fetched again each time a different whole key appears there, through
 * GraphiQL's own refetch shortcut (Shift-Ctrl-R). Operations go out as typed.
 */
export function graphiqlFetcherScript(keyPattern: RegExp): string {
  return `
const KEY = new RegExp(${JSON.stringify(keyPattern.source)});
const WITHOUT_KEY = 'No key yet, so the schema was not asked for. Paste your key after "Bearer " in the Headers tab below: docs and completion load as soon as a whole key is there; then run an operation.';
function keyIn(headers) {
  for (const [name, value] of Object.entries(headers || {})) {
    const text = String(value).trim();
    const key = /^authorization$/i.test(name) ? text.replace(/^Bearer\\s+/i, '') : /^(tessera-api-key|x-api-key)$/i.test(name) ? text : '';
    if (KEY.test(key)) return key;
  }
  return null;
}
options.fetcher = async (params, opts) => {
  if (params.operationName === 'IntrospectionQuery' && !keyIn(opts && opts.headers)) return { errors: [{ message: WITHOUT_KEY }] };
  const response = await fetch(location.pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(opts && opts.headers) },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: 'HTTP ' + response.status + ': ' + (text || response.statusText) }] };
  }
};
let keyOfSchema = null;
options.onEditHeaders = (text) => {
  let key = null;
  try { key = keyIn(JSON.parse(text)); } catch {}
  if (!key || key === keyOfSchema) return;
  keyOfSchema = key;
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'R', ctrlKey: true, shiftKey: true }));
};
`;
}
