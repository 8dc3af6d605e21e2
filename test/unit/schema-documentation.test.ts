import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEPRECATION_REASON, deprecated, isCalendarDate } from '../../src/graphql/deprecation.js';
import { buildSchema } from '../../src/schema.js';

type Element = { name: string; description?: string | null; deprecationReason?: string | null };
type Visit = (path: string, element: Element) => void;

/** Every element of the schema a client reads about, by path (`Type.field(arg)`); GraphQL's own left out. */
function walk(schema: GraphQLSchema, visit: Visit): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    visit(type.name, type);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        visit(`${type.name}.${field.name}`, field);
        for (const arg of field.args) visit(`${type.name}.${field.name}(${arg.name})`, arg);
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) visit(`${type.name}.${field.name}`, field);
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) visit(`${type.name}.${value.name}`, value);
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    visit(`@${directive.name}`, directive);
    for (const arg of directive.args) visit(`@${directive.name}(${arg.name})`, arg);
  }
}

function collect(schema: GraphQLSchema, pick: (element: Element) => boolean): string[] {
  const paths: string[] = [];
  walk(schema, (path, element) => {
    if (pick(element)) paths.push(path);
  });
  return paths;
}

const schema = buildSchema();

describe('the schema documents itself', () => {
  it('describes every type, field, argument, input field, enum value and directive', () => {
    expect(collect(schema, (element) => !element.description?.trim())).toEqual([]);
  });

  it('dates every deprecation: "Since YYYY-MM-DD: …"', () => {
    const deprecations = new Map<string, string>();
    walk(schema, (path, element) => {
      if (element.deprecationReason != null) deprecations.set(path, element.deprecationReason);
    });
    const undated = [...deprecations].filter(([, reason]) => {
      const date = DEPRECATION_REASON.exec(reason)?.[1];
      return date === undefined || !isCalendarDate(date);
    });
    expect(undated).toEqual([]);
  });
});

describe('deprecated()', () => {
  it('writes the date and the replacement once', () => {
    expect(deprecated({ since: '2026-12-01', use: 'newField' })).toEqual({ deprecationReason: 'Since 2026-12-01: use newField.' });
  });

  it('adds why when given, and stands without a replacement', () => {
    expect(deprecated({ since: '2026-12-01', use: 'lastError', why: 'Always null.' }).deprecationReason).toBe(
      'Since 2026-12-01: use lastError. Always null.',
    );
    expect(deprecated({ since: '2026-12-01', why: 'No replacement.' }).deprecationReason).toBe('Since 2026-12-01: No replacement.');
  });

  it('refuses a date that is not a day', () => {
    expect(() => deprecated({ since: '2026-02-30', use: 'x' })).toThrow(/since must be a date/);
    expect(() => deprecated({ since: '1-1-1', use: 'x' })).toThrow(/since must be a date/);
  });
});
