/**
 * What an operation needs, read from the schema the server enforces: the
 * `@requiresScopes` that `requires(...)` and `typeRequires(...)` put on
 * fields and types (and that scope-auth enforces from the same declaration),
 * walked over the operation's selections the way execution reaches them.
 *
 * - A field needs its own requirement and its parent type's (and the
 *   parent's interfaces'), as scope-auth checks them on every field read
 *   from a guarded object; root types carry none, and `__typename` and
 *   introspection fields need nothing.
 * - `@include`/`@skip` are evaluated with the variables given; a condition
 *   whose value is not known counts as included (conservative).
 * - On a union or interface every possible type counts, each fragment on a
 *   possible type too: the report covers whichever object the data holds.
 * - Type exemptions (a key seeing its own `ApiKeyReference`) are left out:
 *   the report is what any key needs, as the schema prints it.
 *
 * Imports no feature module: the API (`Query.requiredScopes`), the request
 * pipeline (the `Tessera-Accepted-Scopes` header) and the CLI share it.
 */
import {
  getNamedType,
  getOperationAST,
  GraphQLError,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getDirective, type DirectableGraphQLObject } from '@graphql-tools/utils';
import { allOf, needsNoScope, TooManyAlternatives } from '../auth/access/requirement-algebra.js';
import type { ScopeRequirement } from '../auth/access/scopes.js';
import { badUserInput } from '../lib/errors.js';

/** One field of the operation that needs a scope, at its response path (`eventTypes.nodes.host`). */
export type FieldRequirement = { path: string; requirement: ScopeRequirement };

export type ScopeReport = {
  /** The whole operation's requirement, minimal: `[[]]` when nothing needs a scope. */
  alternatives: ScopeRequirement;
  /** Each field that needs a scope, in document order, with its own requirement. */
  fields: FieldRequirement[];
};

/**
 * The most field selections one walk visits, counting each time a fragment
 * is spread: fragments that spread each other twice over double the work at
 * every level, which a document within the query limits can still do.
 */
export const MAX_FIELDS_WALKED = 10_000;

/**
 * The `@requiresScopes` an element of the schema declares, null when none:
 * from the extensions Pothos keeps (what `requires(...)` and
 * `typeRequires(...)` wrote next to the rule scope-auth enforces), or from
 * SDL for a schema built from one.
 */
export function declaredRequirement(schema: GraphQLSchema, element: DirectableGraphQLObject): ScopeRequirement | null {
  if (!declared.has(element)) {
    declared.set(element, (getDirective(schema, element, 'requiresScopes')?.[0]?.scopes as ScopeRequirement | undefined) ?? null);
  }
  return declared.get(element)!;
}

/** Read once per type and field: the walk meets the same ones again and again, and the same object each time lets it count one once. */
const declared = new WeakMap<DirectableGraphQLObject, ScopeRequirement | null>();

/** Parses and validates a document against the schema; BAD_USER_INPUT on `document` with GraphQL's own messages. */
export function readDocument(schema: GraphQLSchema, text: string): DocumentNode {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (error) {
    throw badUserInput('document', error instanceof GraphQLError ? error.message : String(error));
  }
  const errors = validate(schema, document);
  if (errors.length > 0) throw badUserInput('document', errors.map((error) => error.message).join(' '));
  return document;
}

/** The operation to report on, chosen as execution chooses it; BAD_USER_INPUT on `operationName` when that is ambiguous or unknown. */
export function selectOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode {
  const operation = getOperationAST(document, operationName);
  if (operation) return operation;
  if (operationName) throw badUserInput('operationName', `Unknown operation named "${operationName}".`);
  const count = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION).length;
  throw badUserInput(
    'operationName',
    count === 0 ? 'Must provide an operation.' : 'Must provide operation name if query contains multiple operations.',
  );
}

/**
 * The report for one operation of a validated document. Throws BAD_USER_INPUT
 * (on `document`) past the walk's or the alternatives' cap or for an
 * operation type the schema has not (subscriptions), and (on
 * `variables.<name>`) for a condition variable that is not a Boolean.
 */
export function scopeReport(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables?: Readonly<Record<string, unknown>> | null,
): ScopeReport {
  const root = schema.getRootType(operation.operation);
  // graphql-js's own words when it refuses to execute such an operation.
  if (!root) throw badUserInput('document', `Schema is not configured to execute ${operation.operation} operation.`);
  const walk = new OperationWalk(schema, document, operation, variables ?? null);
  walk.selections(operation.selectionSet, [root], []);
  try {
    const fields = [...walk.byPath].flatMap(([path, factors]) => {
      const requirement = allOf(factors);
      return needsNoScope(requirement) ? [] : [{ path, requirement }];
    });
    return { alternatives: allOf(new Set([...walk.byPath.values()].flatMap((factors) => [...factors]))), fields };
  } catch (error) {
    if (error instanceof TooManyAlternatives) throw badUserInput('document', error.message);
    throw error;
  }
}

/** Each operation of a document (or only the one named) with its report, as `npm run cli -- scopes:for` prints them. */
export function reportEachOperation(schema: GraphQLSchema, text: string, operationName?: string): Array<{ operation: string; report: ScopeReport }> {
  const document = readDocument(schema, text);
  const operations = operationName
    ? [selectOperation(document, operationName)]
    : document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.map((operation) => ({
    operation: `${operation.operation} ${operation.name?.value ?? '(anonymous)'}`,
    report: scopeReport(schema, document, operation),
  }));
}

class OperationWalk {
  /** The requirements met on the way to each response path, each once, ANDed later. */
  readonly byPath = new Map<string, Set<ScopeRequirement>>();
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private walked = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly operation: OperationDefinitionNode,
    private readonly variables: Readonly<Record<string, unknown>> | null,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  /** The selections of one selection set, on every object type the data there may be. */
  selections(selectionSet: SelectionSetNode, types: readonly GraphQLObjectType[], path: readonly string[]): void {
    for (const selection of selectionSet.selections) {
      if (!this.included(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        if (++this.walked > MAX_FIELDS_WALKED) {
          throw badUserInput('document', `the operation expands to more than ${MAX_FIELDS_WALKED} field selections (counting every fragment spread).`);
        }
        const fieldPath = [...path, selection.alias?.value ?? name];
        const below = this.field(name, types, fieldPath.join('.'));
        if (selection.selectionSet) this.selections(selection.selectionSet, below, fieldPath);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && this.schema.getType(selection.typeCondition.name.value);
        this.selections(selection.selectionSet, condition ? narrowed(this.schema, types, condition) : types, path);
      } else {
        const fragment = this.fragments.get(selection.name.value);
        const condition = fragment && this.schema.getType(fragment.typeCondition.name.value);
        if (fragment && condition) this.selections(fragment.selectionSet, narrowed(this.schema, types, condition), path);
      }
    }
  }

  /** Records what reading `name` on each possible type needs; returns the object types its value may be. */
  private field(name: string, types: readonly GraphQLObjectType[], path: string): GraphQLObjectType[] {
    const factors = this.byPath.get(path) ?? new Set<ScopeRequirement>();
    this.byPath.set(path, factors);
    const below = new Set<GraphQLObjectType>();
    for (const type of types) {
      const field = type.getFields()[name];
      if (!field) continue;
      this.typeRequirements(type).forEach((requirement) => factors.add(requirement));
      const own = declaredRequirement(this.schema, field);
      if (own) factors.add(own);
      possibleObjects(this.schema, getNamedType(field.type)).forEach((object) => below.add(object));
    }
    return [...below];
  }

  /** A type's own requirement and its interfaces', as scope-auth runs them on each of its fields; none on root types. */
  private typeRequirements(type: GraphQLObjectType): ScopeRequirement[] {
    if (this.isRoot(type)) return [];
    return [type, ...type.getInterfaces()]
      .map((declaring) => declaredRequirement(this.schema, declaring))
      .filter((requirement) => requirement !== null);
  }

  private isRoot(type: GraphQLObjectType): boolean {
    return type === this.schema.getQueryType() || type === this.schema.getMutationType() || type === this.schema.getSubscriptionType();
  }

  /** False only when `@skip`/`@include` decide so for certain. */
  private included(directives: readonly DirectiveNode[] | undefined): boolean {
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = this.conditionOf(directive);
      if (condition === (name === 'skip')) return false;
    }
    return true;
  }

  /** The `if:` of a directive: its literal, its variable's value or default, or undefined when unknown. */
  private conditionOf(directive: DirectiveNode): boolean | undefined {
    const value = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
    if (!value) return undefined;
    if (value.kind === Kind.BOOLEAN) return value.value;
    if (value.kind !== Kind.VARIABLE) return undefined;
    const name = value.name.value;
    const given = this.variables?.[name];
    if (typeof given === 'boolean') return given;
    if (given !== undefined && given !== null) throw badUserInput(`variables.${name}`, `must be a Boolean: it decides an @${directive.name.value}.`);
    const fallback = this.operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
    return fallback?.kind === Kind.BOOLEAN ? fallback.value : undefined;
  }
}

/** The object types a value of a named type may be: itself, or every possible type of a union or interface. */
function possibleObjects(schema: GraphQLSchema, type: GraphQLNamedType): GraphQLObjectType[] {
  if (isObjectType(type)) return [type];
  if (isAbstractType(type)) return [...schema.getPossibleTypes(type)];
  return [];
}

/** The types a fragment on `condition` applies to, among those the data may be. */
function narrowed(schema: GraphQLSchema, types: readonly GraphQLObjectType[], condition: GraphQLNamedType): GraphQLObjectType[] {
  const possible = new Set(possibleObjects(schema, condition));
  return types.filter((type) => possible.has(type));
}
