/**
 * What a key can reach in the schema, computed from the same @requiresScopes
 * declarations (on fields and types) that drive enforcement.
 */
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { isSatisfied, type ScopeRequirement } from '../../src/auth/access/scopes.js';

/** The @requiresScopes a field or type declares, read from the schema the server runs. */
export function requirementOf(element: { extensions?: { directives?: unknown } }): ScopeRequirement | null {
  const directives = element.extensions?.directives as Record<string, { scopes: ScopeRequirement }> | Array<{ name: string; args: { scopes: ScopeRequirement } }> | undefined;
  if (!directives) return null;
  if (Array.isArray(directives)) return directives.find((d) => d.name === 'requiresScopes')?.args.scopes ?? null;
  return directives.requiresScopes?.scopes ?? null;
}

export const allowed = (element: { extensions?: { directives?: unknown } }, scopes: ReadonlySet<string>) => {
  const requirement = requirementOf(element);
  return requirement === null || isSatisfied(requirement, scopes);
};

export function possibleObjects(schema: GraphQLSchema, type: GraphQLNamedType): GraphQLObjectType[] {
  if (isObjectType(type)) return [type];
  if (isInterfaceType(type) || isUnionType(type)) return [...schema.getPossibleTypes(type)];
  return [];
}

/**
 * Every `Type.field` a key holding `scopes` can reach from the roots: a field
 * is reached when its own requirement and its parent type's are satisfied.
 * (Runtime exemptions, like a key seeing its own ApiKeyReference, only add to this.)
 */
export function reach(schema: GraphQLSchema, scopes: ReadonlySet<string>): Set<string> {
  const reached = new Set<string>();
  const visited = new Set<string>();
  const visit = (type: GraphQLObjectType) => {
    if (visited.has(type.name) || !allowed(type, scopes)) return;
    visited.add(type.name);
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      if (!allowed(field, scopes)) continue;
      const target = getNamedType(field.type);
      const objects = possibleObjects(schema, target).filter((object) => allowed(object, scopes));
      if (objects.length === 0 && !isObjectType(target) && !isInterfaceType(target) && !isUnionType(target)) reached.add(`${type.name}.${field.name}`);
      else if (objects.length > 0) reached.add(`${type.name}.${field.name}`);
      objects.forEach(visit);
    }
  };
  [schema.getQueryType(), schema.getMutationType()].forEach((root) => root && visit(root));
  return reached;
}

