import { builder } from '../../graphql/builder.js';
import { connectionOf, pageArgs, resolveConnection } from '../../graphql/connection.js';
import { actorOf } from '../../graphql/context.js';
import { assertRunnableDocuments } from '../../graphql/document-check.js';
import { requires } from '../../graphql/requirements.js';
import { FIELD_LIMITS, rateLimited } from '../../rate-limit/field-limits.js';
import {
  assertRegistrable,
  listTrustedDocuments,
  registerTrustedDocuments,
  removeTrustedDocuments,
  TRUSTED_DOCUMENT_LIMITS,
  trustedDocumentCursor,
  type TrustedDocument,
} from './trusted-documents.service.js';

const TrustedDocumentRef = builder.objectRef<TrustedDocument>('TrustedDocument').implement({
  description:
    "A GraphQL document the organization registered for this world (live or test): public keys with trustedDocumentsOnly run only these, and any key may send one as `documentId` instead of its text.",
  fields: (t) => ({
    id: t.exposeID('id', {
      description: '`sha256:` and the lowercase hex SHA-256 of `document`: the `documentId` clients send (GraphQL over HTTP persisted documents).',
    }),
    document: t.exposeString('document', { description: 'The document, exactly as registered (its hash covers every character).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first registered.' }),
  }),
});

const TrustedDocumentConnection = connectionOf('TrustedDocument', TrustedDocumentRef);

builder.queryField('trustedDocuments', (t) =>
  t.field({
    ...requires('keys:read'),
    type: TrustedDocumentConnection,
    description: "The organization's trusted documents in the calling key's world (live or test), oldest first.",
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, tenant }) => resolveConnection(args, trustedDocumentCursor, (page) => listTrustedDocuments(db, tenant, page)),
  }),
);

builder.mutationField('registerTrustedDocuments', (t) =>
  t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: [TrustedDocumentRef],
    description:
      "Registers documents in the calling key's world (live or test), each identified by the SHA-256 of its exact text; a text already registered " +
      'is answered with its existing record. Every document must parse and validate against the schema. Takes effect on the next request, on every instance.',
    args: {
      documents: t.arg.stringList({
        required: true,
        description:
          `Document texts, 1 to ${TRUSTED_DOCUMENT_LIMITS.perCall}, each at most ${TRUSTED_DOCUMENT_LIMITS.documentCharacters} characters and ` +
          `${TRUSTED_DOCUMENT_LIMITS.callCharacters} together; a world keeps at most ${TRUSTED_DOCUMENT_LIMITS.perWorld}. Answered in the same order.`,
      }),
    },
    resolve: async (_root, { documents }, context, info) => {
      assertRegistrable(documents);
      assertRunnableDocuments(info.schema, documents);
      const registered = await registerTrustedDocuments(context.db, actorOf(context), context.tenant, documents, context.now());
      // This instance at once; the others when the change notice reaches them.
      context.trustedDocuments.forget(context.tenant);
      return registered;
    },
  }),
);

builder.mutationField('removeTrustedDocuments', (t) =>
  t.field({
    ...requires('keys:manage'),
    ...rateLimited(...FIELD_LIMITS.keyManagement),
    type: [TrustedDocumentRef],
    description:
      "Removes documents from the calling key's world (live or test), all or none: an id not registered there is NOT_FOUND and nothing is removed. " +
      'Public keys held to trusted documents stop running them on the next request, on every instance; clients sending them by `documentId` get PERSISTED_DOCUMENT_NOT_FOUND. Answers the removed documents, in order.',
    args: {
      // Strings, not IDs: a document id (71 characters) is longer than the API's bound on an ID.
      ids: t.arg.stringList({
        required: true,
        description: `Document ids (\`sha256:\` and 64 hex digits, as TrustedDocument.id), 1 to ${TRUSTED_DOCUMENT_LIMITS.perCall}.`,
      }),
    },
    resolve: async (_root, { ids }, context) => {
      const removed = await removeTrustedDocuments(context.db, actorOf(context), context.tenant, ids, context.now());
      // This instance at once; the others when the change notice reaches them.
      context.trustedDocuments.forget(context.tenant);
      return removed;
    },
  }),
);
