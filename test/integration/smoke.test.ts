import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHarness } from '../helpers/harness.js';
import { postgresTierSkipped, testTier } from '../helpers/test-database.js';

describe.skipIf(postgresTierSkipped)(`viewer (${testTier()})`, () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await TestHarness.start();
  });
  afterAll(() => harness.stop());

  it('answers the viewer for a valid key', async () => {
    const org = await harness.organization();
    const response = await harness.request('{ viewer { organization { id } scopes } }', { key: org.adminKey });
    expect(response.status).toBe(200);
    expect(response.body.data?.viewer.organization.id).toBe(org.organizationId);
  });
});
