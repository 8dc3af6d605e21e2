/**
 * The scope catalogue: the one source of truth for what a key may be granted,
 * what each role allows, and what public keys may hold. Fields declare their
 * requirement with `requires(...)` (src/graphql/requirements.ts), which yields
 * both the enforcing scope-auth rule and the `@requiresScopes` directive
 * printed into schema.graphql.
 */

export const SCOPES = {
  'bookings:create': 'Create bookings.',
  'bookings:read-own': 'Read the bookings created with the same key (public keys: only with each booking’s access token).',
  'bookings:read': "Read all of the organization's bookings.",
  'bookings:update': 'Change attendee details and notes of a booking.',
  'bookings:cancel': 'Cancel bookings.',
  'bookings:reschedule': 'Move bookings to another time.',
  'bookings:transition': 'Confirm bookings and mark them completed or no-show.',
  'availability:read': 'Read available slots and free/busy times.',
  'event-types:read': 'Read event types.',
  'event-types:write': 'Create, change and delete event types.',
  'team:read': 'Read team members.',
  'team:write': 'Create and change team members and their calendars.',
  'calendars:read': 'Read calendar connection metadata.',
  'webhooks:read': 'Read webhooks and their deliveries.',
  'webhooks:manage': 'Create, change, delete, resume and redeliver webhooks.',
  'analytics:read': 'Read booking and API usage analytics.',
  'keys:read': 'List API keys.',
  'keys:manage': 'Create, change, roll and revoke API keys.',
  'audit:read': 'Read the audit log.',
  'members:read': "Read the organization's members: email, name, role and whether they are active.",
  'members:manage': 'Add members, change their role or deactivate them, and manage service accounts.',
} as const;

export type Scope = keyof typeof SCOPES;
export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

/** Grants every scope; secret keys only. */
export const WILDCARD = '*';

export const SCOPE_GROUPS: Record<string, readonly Scope[]> = {
  'bookings:write': [
    'bookings:create',
    'bookings:update',
    'bookings:cancel',
    'bookings:reschedule',
    'bookings:transition',
  ],
};

/** What a key embedded in a browser page may ever hold. */
export const PUBLIC_KEY_SCOPES: readonly Scope[] = [
  'availability:read',
  'event-types:read',
  'bookings:create',
  'bookings:read-own',
];

export type MemberRole = 'ADMIN' | 'MEMBER';

/** What the MEMBER role never reaches, whatever a key of theirs was granted. */
export const MEMBER_WITHHELD: readonly Scope[] = [
  'keys:read',
  'keys:manage',
  'webhooks:manage',
  'audit:read',
  'members:read',
  'members:manage',
];

/** A key never does more than its owner's role allows. */
export const ROLE_SCOPES: Record<MemberRole, ReadonlySet<Scope>> = {
  ADMIN: new Set(ALL_SCOPES),
  MEMBER: new Set(ALL_SCOPES.filter((scope) => !MEMBER_WITHHELD.includes(scope))),
};

/** The narrower of two roles: a member's key is capped by both its owner and the member who received it. */
export function lowerRole(a: MemberRole, b: MemberRole): MemberRole {
  return a === 'ADMIN' ? b : a;
}

export function isScope(name: string): name is Scope {
  return Object.hasOwn(SCOPES, name);
}

/** Names a key may be given at creation: scopes, groups and `*`. */
export function isGrantable(name: string): boolean {
  return name === WILDCARD || isScope(name) || Object.hasOwn(SCOPE_GROUPS, name);
}

/** Expands `*` and groups into the concrete scopes they stand for. */
export function expandScopes(granted: Iterable<string>): Set<Scope> {
  const out = new Set<Scope>();
  for (const name of granted) {
    if (name === WILDCARD) ALL_SCOPES.forEach((scope) => out.add(scope));
    else if (isScope(name)) out.add(name);
    else SCOPE_GROUPS[name]?.forEach((scope) => out.add(scope));
  }
  return out;
}

export function intersect<T>(a: Iterable<T>, b: ReadonlySet<T>): Set<T> {
  return new Set([...a].filter((item) => b.has(item)));
}

/**
 * A requirement in Apollo Router's `@requiresScopes` shape: the outer list is
 * OR, each inner list is AND.
 */
export type ScopeRequirement = Scope[][];

// Checked for every field of every request: stops at the first alternative met, and allocates nothing.
export function isSatisfied(requirement: ScopeRequirement, granted: ReadonlySet<string>): boolean {
  return requirement.some((all) => grantsAll(granted, all));
}

/** The alternatives of a requirement that these scopes satisfy, in declared order; none: not satisfied. */
export function satisfiedAlternatives(requirement: ScopeRequirement, granted: ReadonlySet<string>): ScopeRequirement {
  return requirement.filter((all) => grantsAll(granted, all));
}

const grantsAll = (granted: ReadonlySet<string>, all: readonly Scope[]) => all.every((scope) => granted.has(scope));

const PUBLIC_SCOPE_SET: ReadonlySet<Scope> = new Set(PUBLIC_KEY_SCOPES);

/**
 * What a key may do right now: its grant, expanded, within its owner's role
 * and, for a public key, within what any web page may hold. Computed on every
 * verification, so a demotion bites on the next request.
 */
export function effectiveKeyScopes(granted: Iterable<string>, role: MemberRole, type: 'SECRET' | 'PUBLIC'): Set<Scope> {
  const scopes = intersect(expandScopes(granted), ROLE_SCOPES[role]);
  return type === 'PUBLIC' ? intersect(scopes, PUBLIC_SCOPE_SET) : scopes;
}
