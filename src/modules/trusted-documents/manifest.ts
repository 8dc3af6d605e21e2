import type { Executor } from '../../db/client.js';
import type { Tenant } from '../../db/tenant.js';
import { documentHash, hashOfDocumentId } from '../../lib/document-id.js';
import { badUserInput } from '../../lib/errors.js';
import { checkedText } from '../../lib/input-limits.js';
import { loadTrustedDocuments, registerTrustedDocuments, TRUSTED_DOCUMENT_LIMITS } from './trusted-documents.service.js';

/** One entry of a build manifest: the hash it was given under, and its document. */
export type ManifestEntry = { key: string; text: string };

/**
 * A build manifest of persisted documents, as GraphQL Code Generator's client
 * preset writes it (`persistedDocuments`, persisted-documents.json): a JSON
 * object mapping each document's hash (`sha256:<hex>`, or bare hex) to its
 * text. Every hash is checked against its text: a manifest whose hashes the
 * server would not compute the same way would register documents its
 * clients could never name.
 */
export function readManifest(json: string): ManifestEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw badUserInput('manifest', `is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badUserInput('manifest', 'expected a JSON object mapping each sha256 hash to its document text.');
  }
  const entries = Object.entries(parsed as Record<string, unknown>).map(([key, text]) => checkedEntry(key, text));
  if (entries.length === 0) throw badUserInput('manifest', 'holds no documents.');
  return entries;
}

function checkedEntry(key: string, text: unknown): ManifestEntry {
  const field = `manifest entry "${key}"`;
  if (typeof text !== 'string') throw badUserInput(field, 'its value must be the document text.');
  const hash = hashOfDocumentId(key) ?? hashOfDocumentId(`sha256:${key}`);
  if (hash === null) {
    const hint = /^[0-9a-f]{40}$/i.test(key) ? " (a SHA-1? set persistedDocuments: { hashAlgorithm: 'sha256' } in the codegen config)" : '';
    throw badUserInput(field, `is not a SHA-256 hash (sha256:<64 hex digits>)${hint}.`);
  }
  if (hash !== documentHash(text)) throw badUserInput(field, 'does not match the SHA-256 of its document text; nothing was registered.');
  // Checked here, with the hash to name it, before any batch is registered.
  checkedText(text, field, TRUSTED_DOCUMENT_LIMITS.documentCharacters);
  return { key, text };
}

/**
 * Registers a whole manifest, in batches within one registration's bounds
 * (each batch on its own; registering again is harmless). Answers how many
 * of its documents were new to the world.
 */
export async function registerManifest(db: Executor, tenant: Tenant, texts: readonly string[], now: Date, via: string): Promise<{ total: number; added: number }> {
  const before = await loadTrustedDocuments(db, tenant);
  for (const batch of batches(texts)) await registerTrustedDocuments(db, { cli: via }, tenant, batch, now);
  const added = new Set(texts.map(documentHash).filter((hash) => !before.has(hash))).size;
  return { total: texts.length, added };
}

function batches(texts: readonly string[]): string[][] {
  const all: string[][] = [];
  let batch: string[] = [];
  let characters = 0;
  for (const text of texts) {
    const full = batch.length === TRUSTED_DOCUMENT_LIMITS.perCall || characters + text.length > TRUSTED_DOCUMENT_LIMITS.callCharacters;
    if (full && batch.length > 0) {
      all.push(batch);
      batch = [];
      characters = 0;
    }
    batch.push(text);
    characters += text.length;
  }
  if (batch.length > 0) all.push(batch);
  return all;
}
