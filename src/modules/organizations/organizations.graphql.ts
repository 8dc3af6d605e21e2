import { builder } from '../../graphql/builder.js';
import { authenticated } from '../../graphql/requirements.js';
import { findOrganization, type Organization } from './organizations.service.js';
import { ApiKeyRef } from '../api-keys/api-keys.graphql.js';
import { findApiKey } from '../api-keys/api-keys.service.js';

export const OrganizationRef = builder.objectRef<Organization>('Organization').implement({
  description: 'The tenant: every resource belongs to exactly one organization.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The organization; an X-Organization-Id request header, when sent, must name it.' }),
    name: t.exposeString('name', { description: 'Its display name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

type Viewer = Record<string, never>;
const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The key making this request, and what it may do.',
  fields: (t) => ({
    apiKey: t.field({
      type: ApiKeyRef,
      description: 'The calling key itself.',
      resolve: (_viewer, _args, { db, principal }) => findApiKey(db, principal, principal.id),
    }),
    organization: t.field({
      type: OrganizationRef,
      description: 'The organization the key belongs to.',
      resolve: (_viewer, _args, { db, principal }) => findOrganization(db, principal.organizationId),
    }),
    scopes: t.stringList({
      description: "Effective scopes: the key's scopes with groups expanded, within its owner's role.",
      resolve: (_viewer, _args, { principal }) => [...principal.scopes].sort(),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    ...authenticated(),
    type: ViewerRef,
    description: 'Who is calling. Open to every valid key.',
    resolve: () => ({}),
  }),
);
