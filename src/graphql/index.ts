import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './root.js';
import '../modules/organizations/organizations.graphql.js';
import '../modules/api-keys/api-keys.graphql.js';
import '../modules/api-keys/key-rate-limit.graphql.js';
import '../modules/audit/audit.graphql.js';
import '../modules/team/team.graphql.js';
import '../modules/event-types/event-types.graphql.js';
import '../modules/availability/availability.graphql.js';
import '../modules/bookings/bookings.graphql.js';
import '../modules/bookings/booking-mutations.graphql.js';
import '../modules/webhooks/webhooks.graphql.js';
import '../modules/calendars/calendars.graphql.js';
import '../modules/analytics/analytics.graphql.js';
import { directiveDefinitions } from './directives.js';

let schema: GraphQLSchema | undefined;

/** The schema, built once per process from the modules' declarations. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ directives: directiveDefinitions, sortSchema: false });
  return schema;
}
