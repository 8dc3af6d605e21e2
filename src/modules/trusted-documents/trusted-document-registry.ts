import type { DatabaseHandle, Executor } from '../../db/client.js';
import { listenForChanges } from '../../db/change-notices.js';
import type { Tenant } from '../../db/tenant.js';
import type { Logger } from '../../lib/logger.js';
import { DOCUMENT_CHANGES_CHANNEL, parseDocumentChange } from './document-changes.js';
import { loadTrustedDocuments } from './trusted-documents.service.js';

type Documents = ReadonlyMap<string, string>;

const worldKey = (tenant: Tenant) => `${tenant.organizationId}/${tenant.environment}`;

/**
 * Each world's trusted documents (by hash), held in memory so that checking a
 * document, or resolving a `documentId`, costs no query once warm: a world is
 * loaded once, on its first request, and forgotten when documents are
 * registered in it (on this instance at once, on the others through the
 * change notice; see document-changes.ts), to be loaded again by its next
 * request. A loaded world is the whole truth: an unknown id costs nothing either.
 */
export class TrustedDocumentRegistry {
  private readonly worlds = new Map<string, Documents>();
  /** Loads in flight by world, so a burst on a cold world makes one query. */
  private readonly pending = new Map<string, Promise<Documents>>();
  /** Bumped by every forget: a load that overlapped one is not kept. */
  private generation = 0;
  private caching = true;
  /** Database loads made (tests and the benchmark count them). */
  loads = 0;

  constructor(
    private readonly db: Executor,
    private readonly maxWorlds = 1000,
  ) {}

  /** The registered text with this hash in the caller's world; undefined when there is none. */
  async find(tenant: Tenant, hash: string): Promise<string | undefined> {
    return (await this.documentsOf(tenant)).get(hash);
  }

  /** Documents were registered in this world: its next request loads them afresh. */
  forget(tenant: Tenant): void {
    this.generation++;
    this.pending.delete(worldKey(tenant));
    this.worlds.delete(worldKey(tenant));
  }

  /** After missed notices (a lost LISTEN connection): forget every world. */
  clear(): void {
    this.generation++;
    this.pending.clear();
    this.worlds.clear();
  }

  /** Without change notices a copy could miss new documents for good: every check reads the database. */
  disable(): void {
    this.caching = false;
    this.clear();
  }

  private documentsOf(tenant: Tenant): Documents | Promise<Documents> {
    const key = worldKey(tenant);
    const known = this.worlds.get(key);
    if (known) return known;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const generation = this.generation;
    this.loads++;
    const load = loadTrustedDocuments(this.db, tenant)
      .then((documents) => {
        if (this.caching && generation === this.generation) this.keep(key, documents);
        return documents;
      })
      .finally(() => {
        if (this.pending.get(key) === load) this.pending.delete(key);
      });
    this.pending.set(key, load);
    return load;
  }

  private keep(key: string, documents: Documents): void {
    if (this.worlds.size >= this.maxWorlds) {
      const oldest = this.worlds.keys().next().value;
      if (oldest !== undefined) this.worlds.delete(oldest);
    }
    this.worlds.set(key, documents);
  }
}

export type TrustedDocumentRegistration = { registry: TrustedDocumentRegistry; stop(): Promise<void> };

/**
 * The registry, kept current by registration notices from every instance and
 * the CLI (LISTEN/NOTIFY). When LISTEN is impossible nothing is kept in memory.
 */
export function createTrustedDocumentRegistry(database: DatabaseHandle, logger: Logger): TrustedDocumentRegistration {
  const registry = new TrustedDocumentRegistry(database.db);
  const notices = listenForChanges(database, DOCUMENT_CHANGES_CHANNEL, {
    onNotice: (payload) => {
      const tenant = parseDocumentChange(payload);
      if (tenant) registry.forget(tenant);
      else registry.clear();
    },
    onReconnect: () => {
      logger.warn('trusted-document listener reconnected; forgetting the documents held in memory');
      registry.clear();
    },
    onUnavailable: (error) => {
      logger.error({ err: error }, 'cannot LISTEN for trusted-document changes; every document check will read the database');
      registry.disable();
    },
  });
  return { registry, stop: notices.stop };
}
