import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import type { RequestContext } from './context.js';
import { windowMs, type FieldLimit } from '../rate-limit/field-limiter.js';

/**
 * Pothos plugin behind `rateLimited(...)`: one declaration on a field both
 * wraps its resolver with the limit and prints `@rateLimit` into
 * schema.graphql, so the published contract is what is enforced. Listed after
 * scope-auth, so calls refused for missing scopes are not counted.
 */
declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      fieldRateLimit: FieldRateLimitPlugin<Types>;
    }
    interface FieldOptions<Types extends SchemaTypes, ParentShape, Type, Nullable, Args, ResolveShape, ResolveReturnShape> {
      rateLimit?: readonly FieldLimit[];
    }
  }
}

type DirectiveArgs = { max: number; window: string; by: string };
type DirectiveExtensions = Record<string, unknown> | Array<{ name: string; args?: object }> | undefined;

export class FieldRateLimitPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    const limits = limitsOf(fieldConfig);
    if (!limits) return fieldConfig;
    limits.forEach(windowMs); // a malformed window fails the schema build, not a request
    const printed: DirectiveArgs[] = limits.map(({ max, window, by }) => ({ max, window, by }));
    return {
      ...fieldConfig,
      extensions: { ...fieldConfig.extensions, directives: withRateLimit(fieldConfig.extensions?.directives as DirectiveExtensions, printed) },
    };
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const limits = limitsOf(fieldConfig);
    if (!limits) return resolver;
    return async (parent, args, context, info) => {
      const { limits: runtime, principal, client } = context as unknown as RequestContext;
      for (const limit of limits) {
        const refusal = await runtime.fields.check(limit, { args: args as Record<string, unknown>, info, principal, ip: client.ip });
        if (refusal) throw refusal;
      }
      return resolver(parent, args, context, info);
    };
  }
}

function limitsOf<Types extends SchemaTypes>(fieldConfig: PothosOutputFieldConfig<Types>): readonly FieldLimit[] | undefined {
  const limits = (fieldConfig.pothosOptions as { rateLimit?: readonly FieldLimit[] }).rateLimit;
  return limits?.length ? limits : undefined;
}

/**
 * Adds to whatever the directives plugin already normalized (an object keyed by
 * directive name, or a list), keeping @requiresScopes first in the printout.
 */
function withRateLimit(existing: DirectiveExtensions, printed: DirectiveArgs[]): DirectiveExtensions {
  if (Array.isArray(existing)) return [...existing, ...printed.map((args) => ({ name: 'rateLimit', args }))];
  const current = existing?.rateLimit;
  const previous = current === undefined ? [] : Array.isArray(current) ? current : [current];
  return { ...existing, rateLimit: [...previous, ...printed] };
}

const pluginName = 'fieldRateLimit';
SchemaBuilder.registerPlugin(pluginName, FieldRateLimitPlugin);
export default pluginName;
