import { GraphQLError, Kind, parse, visit, type ASTNode, type DocumentNode, type VariableDefinitionNode } from 'graphql';

/**
 * Variable values graphql-js could not coerce to their declared types (an
 * unknown enum value, an Int past 32 bits, a null for a non-null ID, a date
 * that is no date): the caller's input, so BAD_USER_INPUT like every other
 * invalid argument. graphql-js reports them at the variable's definition,
 * before any field runs; these helpers find the argument the variable feeds.
 */
export function variableDefinitionOf(error: GraphQLError): VariableDefinitionNode | undefined {
  if (error.path || error.extensions.code !== undefined) return undefined;
  const node = error.nodes?.[0];
  return node?.kind === Kind.VARIABLE_DEFINITION ? node : undefined;
}

/**
 * The argument (and input field) path where the operation uses the variable,
 * like `input.startAt`; `$name` when it cannot be told (no source to read).
 */
export function argumentPathOf(error: GraphQLError, definition: VariableDefinitionNode): string {
  const name = definition.variable.name.value;
  const document = error.source ? reparse(error.source.body) : undefined;
  const operation = document?.definitions.find(
    (candidate) =>
      candidate.kind === Kind.OPERATION_DEFINITION &&
      candidate.variableDefinitions?.some((variable) => variable.loc?.start === definition.loc?.start),
  );
  let found: string | undefined;
  if (operation) {
    visit(operation, {
      Variable(node, _key, parent, _path, ancestors) {
        if (found || node.name.value !== name) return;
        const chain = [...ancestors, parent].filter((ancestor): ancestor is ASTNode => !!ancestor && !Array.isArray(ancestor));
        if (chain.some((ancestor) => ancestor.kind === Kind.VARIABLE_DEFINITION)) return;
        const names = chain.flatMap((ancestor) =>
          ancestor.kind === Kind.ARGUMENT || ancestor.kind === Kind.OBJECT_FIELD ? [ancestor.name.value] : [],
        );
        // Named like the resolver-side refusals: a mutation's `input` object by its fields.
        if (names[0] === 'input' && names.length > 1) names.shift();
        if (names.length > 0) found = names.join('.');
      },
    });
  }
  return found ?? `$${name}`;
}

function reparse(body: string): DocumentNode | undefined {
  try {
    return parse(body);
  } catch {
    return undefined;
  }
}
