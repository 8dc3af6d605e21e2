/**
 * `scopes:for` answers offline what `Query.requiredScopes` answers online:
 * no database, no key, the same walk over the same schema.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { describeProcessesOnOneTier } from '../helpers/integration.js';

const OPERATIONS = `
query EventTypes($withHosts: Boolean = true) {
  eventTypes { nodes { id title hosts @include(if: $withHosts) { name email } } }
}
mutation Cancel($id: ID!) { cancelBooking(id: $id) { id ...Origin } }
fragment Origin on Booking { createdByKey { id } }
query Me { viewer { scopes } }
`;

describeProcessesOnOneTier('CLI: scopes:for', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tessera-scopes-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("prints each operation's requirement and the fields that need a scope, without a database or a key", async () => {
    const file = join(folder, 'operations.graphql');
    writeFileSync(file, OPERATIONS);
    const result = await cliInProcess(['scopes:for', file], {});
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        'query EventTypes: event-types:read+team:read | event-types:read+team:write',
        '  eventTypes                    event-types:read',
        '  eventTypes.nodes.hosts.email  team:read | team:write',
        '',
        'mutation Cancel: bookings:cancel+bookings:read | bookings:cancel+keys:read',
        '  cancelBooking                  bookings:cancel',
        '  cancelBooking.createdByKey.id  bookings:read | keys:read',
        '',
        'query Me: none',
        '',
      ].join('\n'),
    );
  }, 60_000);
});
