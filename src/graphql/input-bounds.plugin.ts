import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
} from 'graphql';
import { badUserInput } from '../lib/errors.js';
import { checkedText, INPUT_LIMITS, isWithinDateBounds } from '../lib/input-limits.js';

/**
 * Pothos plugin that holds every argument of every field to INPUT_LIMITS
 * (src/lib/input-limits.ts) before its resolver runs: dates within years
 * 2000–2100, strings and ids bounded and free of NUL, lists and JSON bounded.
 * It walks the values by their declared GraphQL types, so a field added
 * tomorrow is covered without declaring anything, and the refusal names the
 * argument the way services do (`startAt`, `attendee.name`, `hostIds[3]`).
 * A scalar could bound dates too, but graphql-js reports a scalar's refusal
 * against the variable, not the argument, and a literal's as a validation error.
 */
declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      inputBounds: InputBoundsPlugin<Types>;
    }
  }
}

export class InputBoundsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    return (parent, args, context, info) => {
      assertArgumentsWithinBounds(info.parentType.getFields()[info.fieldName]!.args, args as Record<string, unknown>);
      return resolver(parent, args, context, info);
    };
  }
}

export function assertArgumentsWithinBounds(definitions: readonly GraphQLArgument[], args: Record<string, unknown>): void {
  for (const definition of definitions) {
    // A mutation's one `input` object is named by its fields, as services name them (`attendee.email`).
    check(definition.type, args[definition.name], definition.name === 'input' ? '' : definition.name);
  }
}

const at = (path: string, name: string) => (path ? `${path}.${name}` : name);

function check(type: GraphQLInputType, value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return check(type.ofType, value, path);
  const field = path || 'input';
  if (isListType(type)) {
    const items = value as unknown[];
    if (items.length > INPUT_LIMITS.maxListItems) throw badUserInput(field, `at most ${INPUT_LIMITS.maxListItems} items.`);
    items.forEach((item, index) => check(type.ofType, item, `${field}[${index}]`));
    return;
  }
  if (isInputObjectType(type)) {
    for (const inner of Object.values(type.getFields())) check(inner.type, (value as Record<string, unknown>)[inner.name], at(path, inner.name));
    return;
  }
  if (isEnumType(type)) return;
  switch (type.name) {
    case 'String':
      checkedText(value as string, field, INPUT_LIMITS.maxStringLength);
      return;
    case 'ID':
      checkedText(String(value), field, INPUT_LIMITS.maxIdLength);
      return;
    case 'DateTime':
      if (!isWithinDateBounds(value as Date)) {
        throw badUserInput(field, `must be between ${INPUT_LIMITS.earliestDate.toISOString()} and ${INPUT_LIMITS.latestDate.toISOString()}.`);
      }
      return;
    case 'JSON':
      checkJson(value, field, 1);
      return;
  }
}

function checkJson(value: unknown, field: string, depth: number): void {
  if (typeof value === 'string') {
    checkedText(value, field, INPUT_LIMITS.maxStringLength);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth > INPUT_LIMITS.maxJsonDepth) throw badUserInput(field, `nests deeper than ${INPUT_LIMITS.maxJsonDepth} levels.`);
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  if (entries.length > INPUT_LIMITS.maxListItems) throw badUserInput(field, `at most ${INPUT_LIMITS.maxListItems} entries per object or array.`);
  for (const [key, item] of entries) {
    if (!Array.isArray(value)) checkedText(key, `${field} (a key)`, INPUT_LIMITS.maxJsonKeyLength);
    checkJson(item, Array.isArray(value) ? `${field}[${key}]` : `${field}.${key}`, depth + 1);
  }
}

const pluginName = 'inputBounds';
SchemaBuilder.registerPlugin(pluginName, InputBoundsPlugin);
export default pluginName;
