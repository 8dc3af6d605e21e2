import type { ApiKeyEnvironment, ApiKeyType } from './key-format.js';
import type { MemberRole, Scope } from '../graphql/scopes.js';

/** The authenticated caller: a key, its owner and what it may do right now. */
export type Principal = {
  keyId: string;
  organizationId: string;
  environment: ApiKeyEnvironment;
  keyType: ApiKeyType;
  ownerMemberId: string;
  role: MemberRole;
  /** Effective scopes: the key's, expanded, intersected with its owner's role. */
  scopes: ReadonlySet<Scope>;
  allowedOrigins: readonly string[];
};

/** Which slice of data a caller lives in: one organization, one of live or test. */
export type Tenant = { organizationId: string; environment: ApiKeyEnvironment };

export const tenantOf = (principal: Principal): Tenant => ({
  organizationId: principal.organizationId,
  environment: principal.environment,
});
