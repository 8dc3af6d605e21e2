import { expect, it } from 'vitest';
import { describeIntegration } from '../helpers/integration.js';

describeIntegration('viewer', (harness) => {
  it('answers the viewer for a valid key', async () => {
    const org = await harness.organization();
    const response = await harness.request('{ viewer { organization { id } scopes } }', { key: org.adminKey });
    expect(response.status).toBe(200);
    expect(response.body.data?.viewer.organization.id).toBe(org.organizationId);
  });
});
