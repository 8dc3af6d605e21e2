/**
 * Most test files share worker processes, one after another with the modules already loaded
 * (vitest.config.ts, `isolate: false`). A `vi.mock` there would only replace a module for the files
 * that happen to load it first: the app's own imports of it, made by an earlier file, keep the
 * original. A spy on the module's namespace (`vi.spyOn(module, 'export')`), restored in `afterAll`,
 * replaces it for every importer and for that file alone (test/security/tenant-starvation.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The chaos and browser tiers run each file in a process of its own.
const SHARED = ['unit', 'integration', 'security', 'clients', 'redis'];

describe('test files in shared workers', () => {
  it('replace no module with vi.mock, which would reach only some importers: they spy on its namespace', () => {
    const mocking = SHARED.flatMap((folder) =>
      readdirSync(join(ROOT, 'test', folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => `test/${folder}/${file}`)
        .filter((file) => /\bvi\s*\.\s*(mock|doMock|unmock)\s*\(/.test(readFileSync(join(ROOT, file), 'utf8'))),
    );
    expect(mocking).toEqual([]);
  });
});
