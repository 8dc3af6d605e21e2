import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { requires, typeRequires } from '../../graphql/requirements.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { auditCursor, listAuditEvents, type AuditEvent } from './audit.service.js';

const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
  description: 'How a request or change ended.',
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
    id: t.exposeID('id', { description: 'The record.' }),
    apiKeyId: t.exposeID('apiKeyId', {
      nullable: true,
      description: 'The key that made the request or change; null for changes made at the CLI or on a secret scanner\'s report (api_key.leaked).',
    }),
    action: t.exposeString('action', {
      description:
        'graphql.query / graphql.mutation / graphql.subscription for requests; graphql.invalid for a request with no operation to run; graphql.refused for requests refused after authentication (origin, IP allowlist, organization header, limits); authentication.refused when a revoked or expired key is presented (once per key and address per minute); api_key.created, .updated, .revoked, .rolled for key changes; api_key.leaked when a secret scanner reported a key found in public (and it was revoked or flagged); key_policy.updated when the organization key policy changes (with how many keys it gave an end date); trusted_documents.registered when new trusted documents are registered, trusted_documents.removed when some are removed (with their ids).',
    }),
    operationName: t.exposeString('operationName', { nullable: true, description: 'The operation name the request gave; null when it gave none.' }),
    rootFields: t.exposeStringList('rootFields', { description: 'The top-level fields the operation asked for; empty for refusals and key changes.' }),
    outcome: t.expose('outcome', { type: AuditOutcomeEnum, description: 'How it ended.' }),
    targetId: t.exposeID('targetId', { nullable: true, description: 'The key changed, for api_key.* actions; null otherwise.' }),
    details: t.expose('details', {
      type: 'JSON',
      nullable: true,
      description:
        'More about it: for key changes the key and what changed (such as changed, newKeyId; via for the CLI and secret scanning; url, source and revoked for api_key.leaked); { code } for graphql.refused; { reason } for authentication.refused; null for other requests.',
    }),
    environment: t.exposeString('environment', { description: 'LIVE or TEST: the data the key works on.' }),
    ip: t.exposeString('ip', { nullable: true, description: 'The client address; null when unknown and for changes made at the CLI.' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The User-Agent header; null when absent and for changes made at the CLI.' }),
    requestId: t.exposeString('requestId', {
      nullable: true,
      description: 'The X-Request-Id of the request that made this record (also in its errors\' extensions.requestId); null for changes made at the CLI.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
  }),
});

const AuditEventConnection = connectionOf('AuditEvent', AuditEventRef);

builder.queryField('auditEvents', (t) =>
  t.field({
    ...requires('audit:read'),
    type: AuditEventConnection,
    description:
      'Newest first. Request records appear within about a second (they are written in batches). A test key reads test records only; a live key reads both. ' +
      'Records are kept at least AUDIT_RETENTION_DAYS (a server setting).',
    args: {
      apiKeyId: t.arg.id({ required: false, description: 'Only records of this key.' }),
      action: t.arg.string({
        required: false,
        description: `Only records with exactly this action, such as api_key.revoked; at most ${TEXT_LIMITS.auditAction} characters.`,
      }),
      ...pageArgs(t.arg),
    },
    resolve: (_root, args, { db, principal }) =>
      resolveConnection(args, auditCursor, (page) =>
        listAuditEvents(db, principal, { apiKeyId: args.apiKeyId, action: args.action }, page),
      ),
  }),
);
