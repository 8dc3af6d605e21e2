import type { ApiKeyEnvironment } from '../../auth/key-format.js';
import type { Executor } from '../../db/client.js';
import { WILDCARD } from '../../auth/access/scopes.js';
import type { ApiKey } from '../api-keys/api-keys.service.js';
import { createOperatorKey } from '../api-keys/key-issuance.js';
import { addMember, type Member } from '../members/members.service.js';
import { createOrganization, type Organization } from './organizations.service.js';

export type Bootstrapped = { organization: Organization; member: Member; apiKey: ApiKey; secret: string };

/**
 * Creates an organization, its first admin and a full-access secret key, all
 * or nothing. The secret is returned once; only its hash is stored.
 */
export async function bootstrapOrganization(
  db: Executor,
  input: { organizationName: string; adminEmail: string; adminName?: string; environment: ApiKeyEnvironment },
  now: Date,
  via: string,
): Promise<Bootstrapped> {
  return db.transaction(async (tx) => {
    const organization = await createOrganization(tx, input.organizationName, now);
    const member = await addMember(
      tx,
      organization.id,
      { email: input.adminEmail, name: input.adminName ?? null, role: 'ADMIN' },
      now,
    );
    const { apiKey, secret } = await createOperatorKey(
      tx,
      { organizationId: organization.id, memberId: member.id },
      {
        name: 'Bootstrap admin key',
        type: 'SECRET',
        environment: input.environment,
        scopes: [WILDCARD],
        expiresIn: 'NEVER',
        allowedOrigins: [],
      },
      now,
      via,
    );
    return { organization, member, apiKey, secret };
  });
}
