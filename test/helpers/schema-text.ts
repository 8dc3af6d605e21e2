import { parse, print, visit } from 'graphql';
import { printSchemaFile } from '../../scripts/print-schema.js';

/**
 * schema.graphql as the code prints it, with every description left out: the
 * signatures and directives a router compares, each field with its arguments
 * on one line again (arguments with descriptions print one per line).
 */
export function printedSchemaWithoutDescriptions(): string {
  const withoutDescriptions = visit(parse(printSchemaFile()), {
    enter: (node) => ('description' in node && node.description ? { ...node, description: undefined } : undefined),
  });
  return print(withoutDescriptions);
}
