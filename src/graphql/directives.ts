import { DirectiveLocation, GraphQLDirective, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString } from 'graphql';

/** Definitions for the directives the schema file prints; Apollo Router semantics. */
export const directiveDefinitions = [
  new GraphQLDirective({
    name: 'requiresScopes',
    description:
      'The caller needs all scopes of at least one inner list (outer list: OR, inner list: AND). On a type: wherever the type is reached.',
    locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.INTERFACE],
    args: {
      scopes: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))))),
        description: 'Alternatives, each a list of scopes needed together, such as [["bookings:read"], ["bookings:read-own"]].',
      },
    },
  }),
  new GraphQLDirective({
    name: 'authenticated',
    description: 'Open to any valid API key, deliberately without a scope.',
    locations: [DirectiveLocation.FIELD_DEFINITION],
  }),
  new GraphQLDirective({
    name: 'rateLimit',
    description:
      'At most `max` calls per `window` (30s, 1m, 1h), counted per API key (`by: "key"`) or per public key and client address (`by: "public-client"`). Further calls fail with FIELD_RATE_LIMITED until the window allows them.',
    locations: [DirectiveLocation.FIELD_DEFINITION],
    isRepeatable: true,
    args: {
      max: { type: new GraphQLNonNull(GraphQLInt), description: 'Calls allowed per window.' },
      window: { type: new GraphQLNonNull(GraphQLString), description: 'The window: a number and s, m or h, such as 1m.' },
      by: {
        type: new GraphQLNonNull(GraphQLString),
        defaultValue: 'key',
        description: 'What is counted: "key" (each API key) or "public-client" (each public key and client address).',
      },
    },
  }),
];
