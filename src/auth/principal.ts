import type { MemberRole, Scope } from './access/scopes.js';
import type { OrganizationKeyPolicy } from './access/key-policy.js';
import type { AddressRanges } from '../lib/address-ranges.js';
import type { Tenant } from '../db/tenant.js';
import type { ApiKeyEnvironment, ApiKeyType } from './key-format.js';
import type { KeyOwner } from './key-state.js';

/**
 * The authenticated caller. A tagged union so that a new kind of caller (an
 * OAuth client, a dashboard session) is one more variant: limits, audit,
 * last-used, read-own and "created by" use only the shared part (`kind`,
 * `id`, organization, role, effective scopes) and the tenant.
 */
export type Principal = ApiKeyPrincipal;

type CallerBase = {
  /** Stable identity of the caller within its kind: what limits, audit and read-own key off. */
  id: string;
  organizationId: string;
  /** The role that caps this caller (for a key: its owner's, and for a member's key its recipient's too). */
  role: MemberRole;
  /** Effective scopes: granted, expanded, intersected with every ceiling that applies. */
  scopes: ReadonlySet<Scope>;
  /** The organization's rules for keys, loaded with the caller (and dropped with it when they change). */
  keyPolicy: OrganizationKeyPolicy;
};

/** A request made with an API key; `id` is the key's id. */
export type ApiKeyPrincipal = CallerBase & {
  kind: 'api-key';
  key: {
    type: ApiKeyType;
    environment: ApiKeyEnvironment;
    /** Who the key acts for: a member, or a service account of the organization. */
    owner: KeyOwner;
    /**
     * The member who received the current secret (by create or roll). A
     * member's key is bound by their role and activity too; a service
     * account's key is not, and outlives them. Null only for a service
     * account's key issued at the CLI.
     */
    recipientMemberId: string | null;
    /** When the key stops working on its own; null: never. Nothing it mints may outlive it. */
    endsAt: Date | null;
    allowedOrigins: readonly string[];
    /** Where requests with the key may come from (secret keys); null: anywhere. */
    allowedIps: AddressRanges | null;
    /** The key spends a usage budget: it may not mint or roll other keys, which would not spend it. */
    usageLimited?: boolean;
    /** A public key that runs only its organization's trusted documents of its world. */
    trustedDocumentsOnly?: boolean;
  };
};

export type { KeyOwner, Tenant };

export function tenantOf(principal: Principal): Tenant {
  switch (principal.kind) {
    case 'api-key':
      return { organizationId: principal.organizationId, environment: principal.key.environment };
  }
}

/** Where a request came from: the trusted client address (computed once) and its user agent. */
export type Client = { ip: string | null; userAgent: string | null };

/**
 * Who made a change: a caller over the API (and from where), an operator at
 * the CLI, or an outside party the service acted on the word of (a secret
 * scanner's signed alert about a leaked key).
 */
export type Actor = ApiActor | { cli: string } | { reporter: string };
export type ApiActor = { principal: Principal; ip?: string | null; userAgent?: string | null; requestId?: string | null };

/** The id of the key that acted, for records that name one (audit, createdBy). */
export const actingKeyId = (principal: Principal): string | null => (principal.kind === 'api-key' ? principal.id : null);

/** A caller whose credential is embedded in web pages: it reaches only what a visitor may. */
export const isPublicCaller = (principal: Principal): boolean => principal.kind === 'api-key' && principal.key.type === 'PUBLIC';
