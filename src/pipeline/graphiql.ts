/** What an admin sees first in GraphiQL: who am I, and how to make a key. */
export const GRAPHIQL_DEFAULT_DOCUMENT = `# Paste your key after "Bearer " in the Headers tab below, then run an operation.

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
