import {
  getOperationAST,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

export type DeprecatedField = { typeName: string; fieldName: string };

/** What the audit record says about the operation a request ran, and the deprecated fields its document asks for (metrics). */
export type OperationSummary = { type: string; name: string | null; rootFields: string[]; deprecatedFields: readonly DeprecatedField[] };

function rootFieldsOf(selectionSet: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): string[] {
  const fields: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...rootFieldsOf(selection.selectionSet, document, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) fields.push(...rootFieldsOf(fragment.selectionSet, document, seen));
    }
  }
  return [...new Set(fields)];
}

/**
 * Yoga hands the same parsed document to every request with the same query
 * text (its parse cache), so a summary is worked out once per document and
 * operation name, not once per request; the deprecated fields, a walk of the
 * whole document, once per document.
 */
type DocumentSummaries = { deprecatedFields: readonly DeprecatedField[]; byName: Map<string | null, OperationSummary | undefined> };
const summaries = new WeakMap<DocumentNode, DocumentSummaries>();

export function summarizeOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): OperationSummary | undefined {
  let known = summaries.get(document);
  if (!known) summaries.set(document, (known = { deprecatedFields: deprecatedFieldsIn(schema, document), byName: new Map() }));
  const key = operationName ?? null;
  if (!known.byName.has(key)) known.byName.set(key, summarize(document, key, known.deprecatedFields));
  return known.byName.get(key);
}

function summarize(document: DocumentNode, operationName: string | null, deprecatedFields: readonly DeprecatedField[]): OperationSummary | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  return { type: operation.operation, name: operation.name?.value ?? operationName, rootFields: rootFieldsOf(operation.selectionSet, document), deprecatedFields };
}

/** Each deprecated field the document asks for, once (fragments included). */
function deprecatedFieldsIn(schema: GraphQLSchema, document: DocumentNode): DeprecatedField[] {
  const typeInfo = new TypeInfo(schema);
  const found = new Map<string, DeprecatedField>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (field?.deprecationReason != null && parent) found.set(`${parent.name}.${field.name}`, { typeName: parent.name, fieldName: field.name });
      },
    }),
  );
  return [...found.values()];
}

export type Outcome = 'ok' | 'denied' | 'limited' | 'error';

export function outcomeOf(errors: ExecutionResult['errors']): Outcome {
  if (!errors?.length) return 'ok';
  return errors.some((error) => error.extensions?.code === 'FORBIDDEN') ? 'denied' : 'error';
}
