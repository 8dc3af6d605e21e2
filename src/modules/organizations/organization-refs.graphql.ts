import { builder } from '../../graphql/builder.js';
import type { Member } from './organizations.service.js';

/**
 * The Member type's reference, declared apart from its fields
 * (organizations.graphql.ts implements it) so that api-keys can point
 * ApiKey.createdBy at it while organizations imports ApiKey for
 * Viewer.apiKey: the two schema files then import one way only.
 */
export const MemberRef = builder.objectRef<Member>('Member');
