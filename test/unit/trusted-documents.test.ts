/**
 * The pieces of trusted documents that need no server: a build manifest is
 * checked entry by entry before anything is registered, document ids are
 * read one way, and lifting a key's restriction follows the widening rule
 * also for a caller the API cannot make today (a restricted key holding keys:manage).
 */
import { describe, expect, it } from 'vitest';
import { assertMayLiftDocumentRestriction } from '../../src/auth/access/key-lifecycle.js';
import { NO_KEY_POLICY } from '../../src/auth/access/key-policy.js';
import type { Scope } from '../../src/auth/access/scopes.js';
import type { Principal } from '../../src/auth/principal.js';
import { documentHash, documentIdOf, hashOfDocumentId } from '../../src/lib/document-id.js';
import { isAppError } from '../../src/lib/errors.js';
import { readManifest } from '../../src/modules/trusted-documents/manifest.js';

const DOCUMENT = 'query Scopes { viewer { scopes } }';

const refusal = (work: () => unknown): Record<string, unknown> | null => {
  try {
    work();
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message, ...error.details };
    throw error;
  }
  return null;
};

describe('a build manifest (GraphQL Code Generator persisted-documents.json)', () => {
  it('reads the client preset’s sha256:-prefixed hashes, and bare hex', () => {
    const manifest = { [documentIdOf(DOCUMENT)]: DOCUMENT, [documentHash('{ viewer { scopes } }')]: '{ viewer { scopes } }' };
    expect(readManifest(JSON.stringify(manifest))).toEqual([
      { key: documentIdOf(DOCUMENT), text: DOCUMENT },
      { key: documentHash('{ viewer { scopes } }'), text: '{ viewer { scopes } }' },
    ]);
  });

  it('refuses an entry whose hash is not its text’s SHA-256, naming the entry', () => {
    const wrong = documentIdOf('{ viewer { scopes } }');
    expect(refusal(() => readManifest(JSON.stringify({ [wrong]: DOCUMENT })))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: `manifest entry "${wrong}"`,
      message: expect.stringContaining('does not match'),
    });
  });

  it('refuses SHA-1 manifests with the setting that fixes them, and what is not a manifest', () => {
    expect(refusal(() => readManifest(JSON.stringify({ ['a'.repeat(40)]: DOCUMENT })))?.message).toContain("hashAlgorithm: 'sha256'");
    expect(refusal(() => readManifest('[]'))?.field).toBe('manifest');
    expect(refusal(() => readManifest('{}'))?.field).toBe('manifest');
    expect(refusal(() => readManifest('{ not json'))?.field).toBe('manifest');
    expect(refusal(() => readManifest(JSON.stringify({ [documentIdOf(DOCUMENT)]: 1 })))?.code).toBe('BAD_USER_INPUT');
  });
});

it('reads a document id as sha256: and 64 hex digits, in any case, and nothing else', () => {
  const hash = documentHash(DOCUMENT);
  expect(hashOfDocumentId(`sha256:${hash.toUpperCase()}`)).toBe(hash);
  for (const other of [hash, `sha1:${hash.slice(0, 40)}`, `sha256:${hash}0`, `sha256:${hash.slice(1)}g`]) expect(hashOfDocumentId(other)).toBeNull();
});

describe('lifting a key’s restriction to trusted documents', () => {
  const caller = (trustedDocumentsOnly: boolean, scopes: Scope[]): Principal => ({
    kind: 'api-key',
    id: 'key_caller',
    organizationId: 'org_1',
    role: 'ADMIN',
    scopes: new Set(scopes),
    keyPolicy: NO_KEY_POLICY,
    key: {
      type: trustedDocumentsOnly ? 'PUBLIC' : 'SECRET',
      environment: 'TEST',
      owner: { kind: 'member', memberId: 'mem_1' },
      recipientMemberId: 'mem_1',
      allowedOrigins: [],
      allowedIps: null,
      endsAt: null,
      trustedDocumentsOnly,
    },
  });
  const target = { id: 'key_site', scopes: ['event-types:read'], environment: 'TEST' as const };

  it('is refused to a caller held to trusted documents itself, whatever it holds', () => {
    expect(refusal(() => assertMayLiftDocumentRestriction(caller(true, ['keys:manage', 'event-types:read']), target))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'WIDENS_KEY',
    });
  });

  it('needs the caller to cover the key, and is allowed then', () => {
    expect(refusal(() => assertMayLiftDocumentRestriction(caller(false, ['keys:manage']), target))).toMatchObject({ deniedScopes: ['event-types:read'] });
    expect(refusal(() => assertMayLiftDocumentRestriction(caller(false, ['keys:manage', 'event-types:read']), target))).toBeNull();
  });
});
