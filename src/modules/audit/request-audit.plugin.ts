import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../../graphql/context.js';
import { newId } from '../../lib/random.js';
import type { RequestAuditLog } from './request-audit-log.js';

type Operation = { type: string; name: string | null; rootFields: string[] };

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

function outcomeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined) {
  if (!errors?.length) return 'ok' as const;
  return errors.some((error) => error.extensions?.code === 'FORBIDDEN') ? ('denied' as const) : ('error' as const);
}

/**
 * Records every authenticated request once its result is known, including
 * requests that failed validation. Requests that never authenticated are not
 * tenant activity and are left to the access log.
 */
export function useRequestAudit(auditLog: RequestAuditLog, contexts: WeakMap<Request, RequestContext>): Plugin {
  const operations = new WeakMap<Request, Operation>();
  return {
    onExecute({ args }) {
      const { request } = args.contextValue as unknown as { request: Request };
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      operations.set(request, {
        type: operation.operation,
        name: operation.name?.value ?? args.operationName ?? null,
        rootFields: rootFieldsOf(operation.selectionSet, args.document),
      });
    },
    onResultProcess({ request, result }) {
      const context = contexts.get(request);
      if (!context) return;
      const operation = operations.get(request);
      const single = Array.isArray(result) ? result[0] : result;
      const errors = single && !(Symbol.asyncIterator in single) ? single.errors : undefined;
      auditLog.record({
        id: newId('evt'),
        organizationId: context.principal.organizationId,
        environment: context.principal.environment,
        apiKeyId: context.principal.keyId,
        action: operation ? `graphql.${operation.type}` : 'graphql.invalid',
        operationName: operation?.name ?? null,
        rootFields: operation?.rootFields ?? [],
        outcome: outcomeOf(errors as never),
        ip: context.client.ip,
        userAgent: context.client.userAgent,
        createdAt: context.now(),
      });
    },
  };
}
