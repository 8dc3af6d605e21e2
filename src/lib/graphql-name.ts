/** A GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`) of at most 100 characters. */
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * Whether a client's string is a GraphQL name of reasonable length. An
 * `operationName` parameter can be any string (a NUL, a megabyte) until a
 * parsed document has matched it; only a name is fit for a label or a record.
 */
export function isGraphQLName(text: string): boolean {
  return NAME.test(text);
}
