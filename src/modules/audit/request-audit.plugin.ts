import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../../auth/principal.js';
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

/** Who made a request, known as soon as it is admitted (before its document is parsed). */
export type AuditedCaller = { principal: Principal; ip: string | null; userAgent: string | null };

/**
 * Records every authenticated request once its result is known, including
 * requests refused after authentication (invalid documents, wrong
 * organization or origin). Requests that never authenticated are not tenant
 * activity and are left to the access log.
 */
export function useRequestAudit(
  auditLog: RequestAuditLog,
  identify: (request: Request, serverContext: Record<string, unknown>) => Promise<AuditedCaller>,
  now: () => Date,
): Plugin {
  const callers = new WeakMap<Request, AuditedCaller>();
  const operations = new WeakMap<Request, Operation>();
  return {
    async onParams({ request, context }) {
      callers.set(request, await identify(request, context));
    },
    onValidate({ context, params }) {
      const { request, params: graphqlParams } = context as unknown as { request: Request; params?: { operationName?: string } };
      const operation = getOperationAST(params.documentAST, graphqlParams?.operationName);
      if (!operation) return;
      operations.set(request, {
        type: operation.operation,
        name: operation.name?.value ?? graphqlParams?.operationName ?? null,
        rootFields: rootFieldsOf(operation.selectionSet, params.documentAST),
      });
    },
    onResultProcess({ request, result }) {
      const caller = callers.get(request);
      if (!caller) return;
      const operation = operations.get(request);
      const single = Array.isArray(result) ? result[0] : result;
      const errors = single && !(Symbol.asyncIterator in single) ? single.errors : undefined;
      auditLog.record({
        id: newId('evt'),
        organizationId: caller.principal.organizationId,
        environment: caller.principal.environment,
        apiKeyId: caller.principal.keyId,
        action: operation ? `graphql.${operation.type}` : 'graphql.invalid',
        operationName: operation?.name ?? null,
        rootFields: operation?.rootFields ?? [],
        outcome: outcomeOf(errors as never),
        ip: caller.ip,
        userAgent: caller.userAgent,
        createdAt: now(),
      });
    },
  };
}
