import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTierSkipped, launchChromium, screenshots } from './helpers/chromium.js';
import { GraphiQLPage } from './helpers/graphiql-page.js';
import { startApi, type ApiStack } from './helpers/stack.js';

/** A secret as the result pane shows it: `"secret": "sk_test_…"`. */
const SECRET_IN_RESULT = /"secret":\s*"(sk_test_[0-9A-Za-z]{38})"/;
const ID_IN_RESULT = /"id":\s*"(key_[^"]+)"/;

describe.skipIf(browserTierSkipped)('the GraphiQL admin flow in Chromium', () => {
  let browser: Browser;
  let api: ApiStack;

  beforeAll(async () => {
    [browser, api] = await Promise.all([launchChromium(), startApi()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('asks for the schema only once the Headers tab holds a key, then loads it (docs, completion) with that key', async () => {
    const shot = screenshots('4-graphiql-schema');
    const { adminKey } = await api.organization('TEST');
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const graphiql = new GraphiQLPage(await context.newPage(), api.graphqlUrl);
    const sent: Array<{ authorization: string | undefined; introspection: boolean; status?: number }> = [];
    graphiql.page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/graphql' || request.method() !== 'POST') return;
      sent.push({ authorization: request.headers().authorization, introspection: (request.postData() ?? '').includes('__schema') });
    });
    graphiql.page.on('response', (response) => {
      const entry = sent.find((candidate) => candidate.status === undefined);
      if (entry && new URL(response.url()).pathname === '/graphql' && response.request().method() === 'POST') entry.status = response.status();
    });

    await graphiql.open();
    expect(await graphiql.resultContaining('No key yet')).toContain('Headers tab');
    await shot(graphiql.page, 'waiting-for-a-key');
    expect(sent).toEqual([]);

    await graphiql.useKey(adminKey);
    expect(await graphiql.documentation()).toMatch(/query:\s*Query/);
    await shot(graphiql.page, 'schema-loaded');
    // One request for the whole key, none while it was being typed.
    expect(sent).toEqual([{ authorization: `Bearer ${adminKey}`, introspection: true, status: 200 }]);
    await context.close();
  });

  it('creates a key with the prefilled document, then revokes it and the next request with it fails', async () => {
    const shot = screenshots('4-graphiql');
    const { adminKey } = await api.organization('TEST');
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const graphiql = new GraphiQLPage(await context.newPage(), api.graphqlUrl);

    // Opens with the Authorization template and a document showing viewer and createApiKey.
    await graphiql.open();
    const document = await graphiql.operationEditor.innerText();
    expect(document).toContain('viewer');
    expect(document).toContain('createApiKey');
    await shot(graphiql.page, 'opened');

    await graphiql.useKey(adminKey);
    await graphiql.run('CreateKey');
    const created = await graphiql.resultContaining('"secret"');
    await shot(graphiql.page, 'key-created');
    const secret = SECRET_IN_RESULT.exec(created)?.[1];
    const id = ID_IN_RESULT.exec(created)?.[1];
    expect(secret, created).toBeDefined();
    expect(id, created).toBeDefined();

    // The new secret works (from a server: no Origin)…
    expect((await api.call(secret!, '{ viewer { scopes } }')).viewer.scopes).toContain('bookings:create');

    // …until the admin revokes it from GraphiQL.
    await graphiql.open(`mutation Revoke { revokeApiKey(id: "${id}") { id status } }`);
    await graphiql.useKey(adminKey);
    await graphiql.run();
    await graphiql.resultContaining('"REVOKED"');
    await shot(graphiql.page, 'key-revoked');

    // The next request with the revoked secret, from GraphiQL itself, is refused.
    await graphiql.open('query Viewer { viewer { scopes } }');
    await graphiql.useKey(secret!);
    await graphiql.run();
    const refused = await graphiql.resultContaining('INVALID_API_KEY');
    expect(refused).toContain('revoked');
    await shot(graphiql.page, 'revoked-key-refused');
    await context.close();
  });
});
