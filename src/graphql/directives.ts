import { DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, GraphQLString } from 'graphql';

/** Definitions for the directives the schema file prints; Apollo Router semantics. */
export const directiveDefinitions = [
  new GraphQLDirective({
    name: 'requiresScopes',
    description: 'The caller needs all scopes of at least one inner list (outer list: OR, inner list: AND).',
    locations: [DirectiveLocation.FIELD_DEFINITION],
    args: {
      scopes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))))) },
    },
  }),
  new GraphQLDirective({
    name: 'authenticated',
    description: 'Open to any valid API key, deliberately without a scope.',
    locations: [DirectiveLocation.FIELD_DEFINITION],
  }),
];
