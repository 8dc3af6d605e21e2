import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires, typeRequires } from '../../graphql/requirements.js';
import { auditCursor, listAuditEvents, type AuditEvent } from './audit.service.js';

const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  values: {
    ok: { value: 'ok', description: 'Everything asked for was answered.' },
    denied: { value: 'denied', description: 'Refused for missing scopes (at least one field), origin, organization, or a revoked or expired key.' },
    limited: { value: 'limited', description: 'Refused by a rate or concurrency limit (429); at most one record per key and second.' },
    error: { value: 'error', description: 'The request failed with another error.' },
  } as const,
});

const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
  ...typeRequires(['audit:read']),
  description: 'A request made with a key, or a change to a key.',
  fields: (t) => ({
    id: t.exposeID('id'),
    apiKeyId: t.exposeID('apiKeyId', { nullable: true, description: 'Null for changes made at the CLI.' }),
    action: t.exposeString('action', {
      description:
        'graphql.query / graphql.mutation / graphql.subscription for requests; graphql.refused for requests refused after authentication (origin, organization header, limits); authentication.refused when a revoked or expired key is presented (once per key and address per minute); api_key.created, .updated, .revoked, .rolled for key changes.',
    }),
    operationName: t.exposeString('operationName', { nullable: true }),
    rootFields: t.exposeStringList('rootFields'),
    outcome: t.expose('outcome', { type: AuditOutcomeEnum }),
    targetId: t.exposeID('targetId', { nullable: true }),
    details: t.expose('details', { type: 'JSON', nullable: true }),
    environment: t.exposeString('environment'),
    ip: t.exposeString('ip', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    requestId: t.exposeString('requestId', {
      nullable: true,
      description: 'The X-Request-Id of the request that made this record (also in its errors\' extensions.requestId); null for changes made at the CLI.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AuditEventConnection = connectionOf('AuditEvent', AuditEventRef);

builder.queryField('auditEvents', (t) =>
  t.field({
    ...requires('audit:read'),
    type: AuditEventConnection,
    description: 'Newest first. Request records appear within about a second (they are written in batches).',
    args: {
      apiKeyId: t.arg.id({ required: false }),
      action: t.arg.string({ required: false }),
      ...pageArgs(t.arg),
    },
    resolve: (_root, args, { db, principal }) =>
      resolveConnection(args, auditCursor, (page) =>
        listAuditEvents(db, principal, { apiKeyId: args.apiKeyId, action: args.action }, page),
      ),
  }),
);
