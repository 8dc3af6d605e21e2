import { expect, it } from 'vitest';
import { buildSchema } from '../../src/schema.js';
import { describeIntegrationOnOneTier } from '../helpers/integration.js';

describeIntegrationOnOneTier("GraphQL's specified directives", (harness) => {
  it('keeps @include, @skip, @deprecated, @specifiedBy and @oneOf next to ours', () => {
    const names = buildSchema().getDirectives().map((directive) => directive.name);
    expect(names).toEqual(expect.arrayContaining(['include', 'skip', 'deprecated', 'specifiedBy', 'oneOf', 'requiresScopes', 'authenticated', 'rateLimit']));
  });

  it('runs a query that uses @include and @skip, as Apollo Client, Relay and urql send them', async () => {
    const org = await harness.organization();
    const document = `query Viewer($withScopes: Boolean!, $withoutOrganization: Boolean!) {
      viewer {
        scopes @include(if: $withScopes)
        organization @skip(if: $withoutOrganization) { id }
        apiKey @include(if: false) { id }
      }
    }`;
    const shown = await harness.request(document, { key: org.adminKey, variables: { withScopes: true, withoutOrganization: false } });
    expect(shown.status).toBe(200);
    expect(shown.body.errors).toBeUndefined();
    expect(shown.body.data?.viewer).toEqual({ scopes: expect.any(Array), organization: { id: org.organizationId } });

    const hidden = await harness.request(document, { key: org.adminKey, variables: { withScopes: false, withoutOrganization: true } });
    expect(hidden.body.errors).toBeUndefined();
    expect(hidden.body.data?.viewer).toEqual({});
  });
});
