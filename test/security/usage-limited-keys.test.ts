/**
 * A usage-limited key (a trial, a one-off script) spends a budget. Holding
 * keys:manage must not let it out of that budget: a key it created, or the
 * new secret of another key it rolled, would spend nothing of it. It may
 * still roll itself (the budget goes with the roll).
 */
import { beforeAll, expect, it } from 'vitest';
import { createdKey, createKey, rollKey } from '../helpers/api-keys.js';
import type { TestOrganization } from '../helpers/harness.js';
import { describeIntegration } from '../helpers/integration.js';

describeIntegration('a usage-limited key cannot escape its budget', (harness) => {
  let org: TestOrganization;
  let limited: { id: string; secret: string };
  let unlimited: { id: string; secret: string };

  beforeAll(async () => {
    org = await harness.organization();
    limited = await createdKey(harness, org.adminKey, { scopes: ['*'], usageLimit: { requests: 50 } });
    unlimited = await createdKey(harness, org.adminKey, { scopes: ['event-types:read'] });
  });

  it('creates no key, whatever its scopes', async () => {
    const response = await createKey(harness, limited.secret, { scopes: ['event-types:read'] });
    expect(response.body.data?.createApiKey ?? null).toBeNull();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'USAGE_LIMITED_KEY' });
    // Not even one with a budget of its own: that would add to what the limited key may spend.
    const budgeted = await createKey(harness, limited.secret, { scopes: ['event-types:read'], usageLimit: { requests: 10 } });
    expect(budgeted.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'USAGE_LIMITED_KEY' });
  });

  it("rolls no other key (the new secret would not spend the budget), but may roll itself", async () => {
    const other = await rollKey(harness, limited.secret, unlimited.id);
    expect(other.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'USAGE_LIMITED_KEY' });
    const itself = await rollKey(harness, limited.secret, limited.id);
    expect(itself.body.errors).toBeUndefined();
    expect(itself.body.data!.rollApiKey.secret).toMatch(/^sk_test_/);
  });

  it('leaves keys without a budget as they were: an admin key still creates and rolls', async () => {
    const made = await createKey(harness, org.adminKey, { scopes: ['event-types:read'] });
    expect(made.body.errors).toBeUndefined();
    const rolled = await rollKey(harness, org.adminKey, unlimited.id);
    expect(rolled.body.errors).toBeUndefined();
  });
});
