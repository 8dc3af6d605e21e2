import { parse, validate, type GraphQLSchema } from 'graphql';
import { badUserInput } from '../lib/errors.js';

/**
 * Refuses, before it is registered, a document that could never run: one that
 * does not parse, or does not validate against the schema (an unknown field, a
 * fragment never used, a type definition). Names the document at fault (by
 * default `documents[index]`, the argument), with GraphQL's own reason.
 */
export function assertRunnableDocuments(
  schema: GraphQLSchema,
  texts: readonly string[],
  nameOf: (index: number) => string = (index) => `documents[${index}]`,
): void {
  texts.forEach((text, index) => {
    const at = nameOf(index);
    let document;
    try {
      document = parse(text, { noLocation: true });
    } catch (error) {
      throw badUserInput(at, `does not parse: ${(error as Error).message}`);
    }
    const [first] = validate(schema, document);
    if (first) throw badUserInput(at, `does not validate against the schema: ${first.message}`);
  });
}
