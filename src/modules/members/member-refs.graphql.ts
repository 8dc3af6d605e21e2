import { MEMBER_WITHHELD, type Scope } from '../../auth/access/scopes.js';
import { builder } from '../../graphql/builder.js';
import type { Member } from './members.service.js';
import type { ServiceAccount } from './service-accounts.service.js';

/**
 * The references of the types that own keys, declared apart from their
 * fields (members.graphql.ts and service-accounts.graphql.ts implement
 * them) so that api-keys can point ApiKey.owner at them while the members
 * schema files import nothing from api-keys: the files import one way only.
 */
export const MemberRef = builder.objectRef<Member>('Member');
export const ServiceAccountRef = builder.objectRef<ServiceAccount>('ServiceAccount');

/**
 * Who may see who holds keys, wherever a Member or ServiceAccount is reached
 * (the key list, a key's owner): those who manage keys or people, never a
 * key embedded in a web page.
 */
export const KEY_HOLDER_READERS: Scope[] = ['keys:read', 'keys:manage', 'members:read', 'members:manage'];

export const MemberRoleEnum = builder.enumType('MemberRole', {
  description: 'A role bounds what every key its holder (a member or a service account) owns can do.',
  values: {
    ADMIN: { description: 'Everything.' },
    MEMBER: { description: `Everything except ${MEMBER_WITHHELD.slice(0, -1).join(', ')} and ${MEMBER_WITHHELD.at(-1)}.` },
  } as const,
});
