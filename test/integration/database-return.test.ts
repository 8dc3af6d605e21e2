/**
 * The database marked down, then found answering by `/ready` before the
 * availability loop's own probe: from that answer on, requests run again.
 * `/ready` never says ready while operations are still answered 503.
 */
import { expect, it } from 'vitest';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

describeIntegrationOnOneTier("the database's return, as /ready finds it", (harness) => {
  it('runs operations again from the moment /ready answers 200', async () => {
    const org = await harness.organization();
    harness.app.availability.report(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect((await harness.request('{ viewer { scopes } }', { key: org.adminKey })).status).toBe(503);
    const ready = await harness.app.yoga.fetch('http://tessera.test/ready');
    expect(ready.status).toBe(200);
    expect(harness.app.availability.isDown).toBe(false);
    expect((await harness.request('{ viewer { scopes } }', { key: org.adminKey })).status).toBe(200);
  });
});
