/**
 * The walkthrough in docs/keys-and-scopes.md ("Least privilege, step by
 * step"), run as written: each `graphql` block marked `# step: …` is sent in
 * order, and each `json` block after one is the answer it must get. Edit the
 * document and this test runs the edited version.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOk } from '../helpers/api-keys.js';
import { seedEventType, seedHost, tenantOf } from '../helpers/booking-fixtures.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';
import { testTier } from '../helpers/test-database.js';

type Step = { name: string; document: string; answer: unknown };

/** The section's steps: a named `graphql` block, and the `json` block right after it when there is one. */
function walkthroughSteps(): Map<string, Step> {
  const text = readFileSync(fileURLToPath(new URL('../../docs/keys-and-scopes.md', import.meta.url)), 'utf8');
  const section = text.split('## Least privilege, step by step')[1]!.split('\n## ')[0]!;
  const blocks = [...section.matchAll(/```(graphql|json)\n([\s\S]*?)```/g)].map(([, language, body]) => ({ language, body: body! }));
  const steps = new Map<string, Step>();
  blocks.forEach((block, index) => {
    const name = /^# step: (\w+)/.exec(block.body)?.[1];
    if (block.language !== 'graphql' || !name) return;
    const next = blocks[index + 1];
    steps.set(name, { name, document: block.body, answer: next?.language === 'json' ? JSON.parse(next.body) : undefined });
  });
  return steps;
}

// The walk reads the schema and the audit log the same way on either database: once is enough.
describe.skipIf(testTier() !== 'pglite')('the least-privilege walkthrough in the docs', () => {
  describeIntegration('runs as written', (harness) => {
    const steps = walkthroughSteps();
    const step = (name: string) => steps.get(name) ?? expect.fail(`no step "${name}" in the walkthrough`);
    let org: TestOrganization;

    beforeAll(async () => {
      org = await harness.organization();
      const host = await seedHost(harness, tenantOf(org), {});
      await seedEventType(harness, tenantOf(org), { hostIds: [host.id] });
    });

    it('goes from an operation to the narrowest key that runs it', async () => {
      expect([...steps.keys()]).toEqual(['operation', 'ask', 'mint', 'usage', 'apply']);
      const operation = step('operation').document;

      const asked = expectOk(await harness.request(step('ask').document, { key: org.adminKey, variables: { document: operation } }));
      expect(asked.requiredScopes).toEqual(step('ask').answer);
      const [cheapest] = (asked.requiredScopes as { alternatives: string[][] }).alternatives;

      const minted = expectOk(await harness.request(step('mint').document, { key: org.adminKey, variables: { scopes: cheapest } }));
      const { secret, apiKey } = minted.createApiKey as { secret: string; apiKey: { id: string; scopes: string[] } };
      expect(apiKey.scopes).toEqual(cheapest);

      // A while of use: three syncs, never asking for hosts; the header names what the operation may need.
      for (let sync = 0; sync < 3; sync++) {
        const response = await harness.request(operation, { key: secret, variables: { withHosts: false } });
        expect(response.body.errors).toBeUndefined();
        expect(response.headers.get('tessera-accepted-scopes')).toBe('event-types:read+team:read | event-types:read+team:write');
      }
      await harness.app.flush();

      const used = expectOk(await harness.request(step('usage').document, { key: org.adminKey }));
      const sync = (used.apiKeys as Array<{ name: string; scopeUsage: unknown }>).find((key) => key.name === 'Catalogue sync')!;
      expect(sync.scopeUsage).toEqual(step('usage').answer);

      const applied = expectOk(await harness.request(step('apply').document, { key: org.adminKey, variables: { id: apiKey.id } }));
      expect(applied.updateApiKey).toEqual(step('apply').answer);

      // What the last paragraph says: the sync goes on, and the emails alone are refused the day it asks for hosts.
      expect((await harness.request(operation, { key: secret, variables: { withHosts: false } })).body.errors).toBeUndefined();
      const withHosts = await harness.request(operation, { key: secret, variables: { withHosts: true } });
      expect((withHosts.body.errors ?? []).map((error) => `${error.path?.join('.')}: ${error.extensions.code}`)).toEqual([
        'eventTypes.nodes.0.hosts.0.email: FORBIDDEN',
      ]);
    });
  });
});
