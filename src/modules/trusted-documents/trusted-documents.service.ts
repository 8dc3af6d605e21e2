import { and, count, eq } from 'drizzle-orm';
import type { Actor } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { inTextList } from '../../db/in-list.js';
import { keysetPage, type KeysetPage } from '../../db/keyset.js';
import { organizations, trustedDocuments } from '../../db/schema/index.js';
import { inTenant, type Tenant } from '../../db/tenant.js';
import { encodeCursor, type PageRequest } from '../../lib/cursor.js';
import { documentHash, documentIdFromHash, hashOfDocumentId } from '../../lib/document-id.js';
import { appError, badUserInput, notFound } from '../../lib/errors.js';
import { checkedText, INPUT_LIMITS } from '../../lib/input-limits.js';
import { recordKeyChange } from '../audit/audit.service.js';
import { announceDocumentsChanged } from './document-changes.js';

/**
 * The documents an organization trusts, per world: a public key restricted to
 * trusted documents runs only these, and any key may send one by its id
 * instead of its text. Whether a text is a valid document for the schema is
 * the GraphQL edge's to check (src/graphql/trusted-document-check.ts) before
 * it calls here; this module keeps them, bounded, and tells every instance.
 */

export type TrustedDocument = { id: string; document: string; createdAt: Date };

export const TRUSTED_DOCUMENT_LIMITS = {
  /** Documents in one registration (a build manifest at the CLI is registered in batches of this many). */
  perCall: 100,
  /** Characters of one document: the bound every string argument of the API lives within. */
  documentCharacters: INPUT_LIMITS.maxStringLength,
  /** Characters of all documents of one registration together. */
  callCharacters: 200_000,
  /** Documents one organization keeps in one world: every instance holds a world's documents in memory. */
  perWorld: 2000,
} as const;

type Row = typeof trustedDocuments.$inferSelect;

const toDocument = (row: Row): TrustedDocument => ({ id: documentIdFromHash(row.hash), document: row.document, createdAt: row.createdAt });

/** Refuses what no registration may hold, naming the argument (and the index of the document at fault). */
export function assertRegistrable(texts: readonly string[]): void {
  if (texts.length === 0) throw badUserInput('documents', 'give at least one document.');
  if (texts.length > TRUSTED_DOCUMENT_LIMITS.perCall) {
    throw badUserInput('documents', `at most ${TRUSTED_DOCUMENT_LIMITS.perCall} documents at a time.`);
  }
  let total = 0;
  texts.forEach((text, index) => {
    checkedText(text, `documents[${index}]`, TRUSTED_DOCUMENT_LIMITS.documentCharacters);
    total += text.length;
  });
  if (total > TRUSTED_DOCUMENT_LIMITS.callCharacters) {
    throw badUserInput('documents', `at most ${TRUSTED_DOCUMENT_LIMITS.callCharacters} characters of documents at a time; register them in smaller batches.`);
  }
}

/**
 * Registers documents in the caller's world, each identified by the SHA-256
 * of its text; a text already registered is answered with its record (and
 * its first `createdAt`). Answers one document per text given, in order.
 * Every instance forgets its copy of the world's documents when this commits.
 */
export async function registerTrustedDocuments(
  db: Executor,
  actor: Actor,
  tenant: Tenant,
  texts: readonly string[],
  now: Date,
): Promise<TrustedDocument[]> {
  assertRegistrable(texts);
  const byHash = new Map(texts.map((text) => [documentHash(text), text]));
  const hashes = [...byHash.keys()];
  const rows = await db.transaction(async (tx) => {
    const known = await registered(tx, tenant, hashes);
    const fresh = hashes.filter((hash) => !known.has(hash));
    if (fresh.length > 0) {
      await assertRoomFor(tx, tenant, fresh.length);
      await tx
        .insert(trustedDocuments)
        .values(fresh.map((hash) => ({ ...tenant, hash, document: byHash.get(hash)!, createdAt: now, createdByKeyId: keyIdOf(actor) })))
        .onConflictDoNothing();
      await announceDocumentsChanged(tx, tenant);
      await recordKeyChange(
        tx,
        actor,
        {
          action: 'trusted_documents.registered',
          ...tenant,
          targetId: tenant.organizationId,
          details: { documentIds: fresh.map(documentIdFromHash) },
        },
        now,
      );
    }
    return registered(tx, tenant, hashes);
  });
  return texts.map((text) => toDocument(rows.get(documentHash(text))!));
}

/**
 * Removes documents from the caller's world, all or none: an id that is not a
 * document of this world is NOT_FOUND by name (another organization's or
 * world's included), and nothing is removed. A key held to trusted documents
 * stops running them on the next request, on every instance. Answers the
 * removed documents, in the order given.
 */
export async function removeTrustedDocuments(db: Executor, actor: Actor, tenant: Tenant, ids: readonly string[], now: Date): Promise<TrustedDocument[]> {
  if (ids.length === 0) throw badUserInput('ids', 'give at least one document id.');
  if (ids.length > TRUSTED_DOCUMENT_LIMITS.perCall) throw badUserInput('ids', `at most ${TRUSTED_DOCUMENT_LIMITS.perCall} documents at a time.`);
  const hashes = ids.map((id, index) => {
    const hash = hashOfDocumentId(checkedText(id, `ids[${index}]`, 100));
    if (!hash) throw badUserInput(`ids[${index}]`, 'a document id is `sha256:` and 64 hex digits.');
    return hash;
  });
  return db.transaction(async (tx) => {
    const rows = await registered(tx, tenant, [...new Set(hashes)]);
    const missing = ids.find((_id, index) => !rows.has(hashes[index]!));
    if (missing !== undefined) throw notFound('trusted document', missing);
    await tx.delete(trustedDocuments).where(and(inTenant(trustedDocuments, tenant), inTextList(trustedDocuments.hash, [...rows.keys()])));
    await announceDocumentsChanged(tx, tenant);
    await recordKeyChange(
      tx,
      actor,
      { action: 'trusted_documents.removed', ...tenant, targetId: tenant.organizationId, details: { documentIds: [...rows.keys()].map(documentIdFromHash) } },
      now,
    );
    return hashes.map((hash) => toDocument(rows.get(hash)!));
  });
}

const keyIdOf = (actor: Actor): string | null => ('principal' in actor ? actor.principal.id : null);

async function registered(tx: Executor, tenant: Tenant, hashes: string[]): Promise<Map<string, Row>> {
  const rows = await tx
    .select()
    .from(trustedDocuments)
    .where(and(inTenant(trustedDocuments, tenant), inTextList(trustedDocuments.hash, hashes)));
  return new Map(rows.map((row) => [row.hash, row]));
}

/**
 * Counts under a lock on the organization's row (as webhook endpoints are
 * counted), so concurrent registrations queue and the limit holds.
 */
async function assertRoomFor(tx: Executor, tenant: Tenant, adding: number): Promise<void> {
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, tenant.organizationId)).for('no key update');
  const [row] = await tx.select({ documents: count() }).from(trustedDocuments).where(inTenant(trustedDocuments, tenant));
  if (row!.documents + adding > TRUSTED_DOCUMENT_LIMITS.perWorld) {
    throw appError(
      'RESOURCE_LIMIT_REACHED',
      `documents: this world of the organization keeps at most ${TRUSTED_DOCUMENT_LIMITS.perWorld} trusted documents; it has ${row!.documents}.`,
      { field: 'documents', limit: TRUSTED_DOCUMENT_LIMITS.perWorld },
    );
  }
}

export const trustedDocumentCursor = (document: TrustedDocument) =>
  encodeCursor({ at: document.createdAt, id: document.id.slice(document.id.indexOf(':') + 1) });

/** Oldest first, one world of one organization. */
export async function listTrustedDocuments(db: Executor, tenant: Tenant, page: PageRequest): Promise<KeysetPage<TrustedDocument>> {
  const result = await keysetPage({ at: trustedDocuments.createdAt, id: trustedDocuments.hash, direction: 'asc' }, page, ({ where, orderBy, limit }) =>
    db
      .select()
      .from(trustedDocuments)
      .where(and(inTenant(trustedDocuments, tenant), where))
      .orderBy(...orderBy)
      .limit(limit),
  );
  return { nodes: result.nodes.map(toDocument), hasNextPage: result.hasNextPage };
}

/** Every document of one world, by hash: what an instance keeps in memory. */
export async function loadTrustedDocuments(db: Executor, tenant: Tenant): Promise<Map<string, string>> {
  const rows = await db
    .select({ hash: trustedDocuments.hash, document: trustedDocuments.document })
    .from(trustedDocuments)
    .where(inTenant(trustedDocuments, tenant));
  return new Map(rows.map((row) => [row.hash, row.document]));
}
