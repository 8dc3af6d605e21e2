import { specifiedDirectives, type GraphQLSchema } from 'graphql';
import { builder } from './graphql/builder.js';
import './graphql/root.js';
import './modules/organizations/organizations.graphql.js';
import './modules/members/members.graphql.js';
import './modules/members/service-accounts.graphql.js';
import './modules/api-keys/api-keys.graphql.js';
import './modules/api-keys/key-rate-limit.graphql.js';
import './modules/api-keys/key-policy.graphql.js';
import './modules/api-keys/scope-usage.graphql.js';
import './modules/trusted-documents/trusted-documents.graphql.js';
import './modules/audit/audit.graphql.js';
import './modules/team/team.graphql.js';
import './modules/event-types/event-types.graphql.js';
import './modules/availability/availability.graphql.js';
import './modules/bookings/bookings.graphql.js';
import './modules/bookings/booking-mutations.graphql.js';
import './modules/webhooks/webhooks.graphql.js';
import './modules/calendars/calendars.graphql.js';
import './modules/analytics/analytics.graphql.js';
import './modules/scopes/required-scopes.graphql.js';
import { directiveDefinitions } from './graphql/directives.js';

let schema: GraphQLSchema | undefined;

/** The schema, assembled here at the top from every module's declarations, built once per process. */
export function buildSchema(): GraphQLSchema {
  // Ours next to GraphQL's own (@include, @skip, @deprecated, @specifiedBy, @oneOf):
  // passing `directives` replaces the specified ones unless they are listed too.
  schema ??= builder.toSchema({ directives: [...specifiedDirectives, ...directiveDefinitions], sortSchema: false });
  return schema;
}
