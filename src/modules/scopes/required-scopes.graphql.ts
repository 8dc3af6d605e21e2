import { missingScopes } from '../../auth/access/requirement-algebra.js';
import { isSatisfied } from '../../auth/access/scopes.js';
import { builder } from '../../graphql/builder.js';
import { authenticated } from '../../graphql/requirements.js';
import { readDocument, scopeReport, selectOperation, type FieldRequirement, type ScopeReport } from '../../graphql/scope-report.js';
import { badUserInput } from '../../lib/errors.js';
import { INPUT_LIMITS } from '../../lib/input-limits.js';

const ALTERNATIVES_SHAPE = 'Alternatives, each a list of scopes needed together (outer list: OR, inner list: AND), as @requiresScopes prints them';

const FieldScopeRequirementRef = builder.objectRef<FieldRequirement>('FieldScopeRequirement').implement({
  description: 'One field of the operation that needs a scope, and what it needs.',
  fields: (t) => ({
    path: t.exposeString('path', {
      description: 'Where the field answers: response keys (an alias where given) joined by dots, list positions left out, such as `eventTypes.nodes.host`.',
    }),
    requirement: t.field({
      type: t.listRef(['String']),
      description: `What reading this field needs: its own requirement and its type's. ${ALTERNATIVES_SHAPE}.`,
      resolve: (field) => field.requirement,
    }),
  }),
});

type Report = ScopeReport & { missing: string[]; satisfiedByViewer: boolean };

const ScopeRequirementReportRef = builder.objectRef<Report>('ScopeRequirementReport').implement({
  description:
    'The least a key needs for an operation, from the same declarations that enforce it. Conservative where the data decides: every possible type of a union or interface counts, and an @include or @skip whose variable was not given counts as included.',
  fields: (t) => ({
    alternatives: t.field({
      type: t.listRef(['String']),
      description: `What the whole operation needs: every field's requirement at once, minimal (no alternative contains another). ${ALTERNATIVES_SHAPE}; [[]] when it needs no scope.`,
      resolve: (report) => report.alternatives,
    }),
    satisfiedByViewer: t.exposeBoolean('satisfiedByViewer', {
      description: "Whether the calling key's effective scopes satisfy it (groups, `*`, its owner's role and the public-key ceiling counted as on every request).",
    }),
    missing: t.exposeStringList('missing', {
      description: 'The scopes the calling key lacks for the alternative closest to it (the one missing the fewest); empty when satisfied.',
    }),
    fields: t.field({
      type: [FieldScopeRequirementRef],
      description: 'Each field that needs a scope, in document order.',
      resolve: (report) => report.fields,
    }),
  }),
});

builder.queryField('requiredScopes', (t) =>
  t.field({
    ...authenticated(),
    type: ScopeRequirementReportRef,
    // Invalid input answers null with BAD_USER_INPUT next to the other fields' data.
    nullable: true,
    description:
      'The scopes an operation needs, without running it: least privilege for a key. The same requirement travels with every response as the Tessera-Accepted-Scopes header. Open to every valid key.',
    args: {
      document: t.arg.string({
        required: true,
        description: `The GraphQL document: one or more operations and their fragments (at most ${INPUT_LIMITS.maxStringLength} characters, as every String argument).`,
      }),
      operationName: t.arg.string({ description: 'Which operation of the document; needed when it holds several.' }),
      variables: t.arg({
        type: 'JSON',
        description: 'Variable values, as for executing it: those deciding an @include or @skip are evaluated, the others are not read.',
      }),
    },
    resolve: (_root, args, { principal }, info) => {
      if (args.variables != null && (typeof args.variables !== 'object' || Array.isArray(args.variables))) {
        throw badUserInput('variables', 'must be an object of variable values.');
      }
      const document = readDocument(info.schema, args.document);
      const operation = selectOperation(document, args.operationName);
      const report = scopeReport(info.schema, document, operation, args.variables as Record<string, unknown> | null);
      return {
        ...report,
        satisfiedByViewer: isSatisfied(report.alternatives, principal.scopes),
        missing: missingScopes(report.alternatives, principal.scopes),
      };
    },
  }),
);
