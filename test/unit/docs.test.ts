import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOC_TABLES, docSection } from '../../scripts/doc-tables.js';
import { listSettings } from '../../src/config/setting.js';
import { SETTINGS } from '../../src/config/settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const docFiles = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const readme = read('README.md');

/** Markdown without its fenced code blocks, where link-like text is code. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const anchorsOf = (text: string) => new Set([...prose(text).matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1]!)));

describe('documentation', () => {
  it.each(Object.entries(DOC_TABLES).map(([name, { file }]) => [name, file] as const))(
    'has the %s table the code prints in %s (npx tsx scripts/doc-tables.ts --write)',
    (name, file) => {
      expect(docSection(read(file), name)).toBe(DOC_TABLES[name as keyof typeof DOC_TABLES].print());
    },
  );

  it('lists every configuration variable in docs/configuration.md', () => {
    const configuration = read('docs/configuration.md');
    for (const { variable } of listSettings(SETTINGS)) expect(configuration).toContain(`| \`${variable}\` |`);
  });

  it('keeps the README an entry: under 250 lines', () => {
    expect(readme.split('\n').length).toBeLessThan(250);
  });

  it.each(docFiles)('%s links only to files and headings that exist', (file) => {
    for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const [path, fragment] = target!.split('#') as [string, string | undefined];
      const linked = path ? join(dirname(file), path) : file;
      expect(existsSync(join(root, linked)), `${file} links to ${target}`).toBe(true);
      if (fragment) expect(anchorsOf(read(linked)).has(fragment), `${file} links to ${target}: no such heading`).toBe(true);
    }
  });

  it.each(docFiles)('%s names only source files that exist', (file) => {
    for (const [, path] of read(file).matchAll(/`((?:src|test|scripts|examples|docs|drizzle)\/[\w./-]*)`/g)) {
      expect(existsSync(join(root, path!)), `${file} names ${path}`).toBe(true);
    }
  });

  it('shows the two quick-start commands and the GraphiQL header', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    expect(readme).toContain('{"Authorization": "Bearer sk_test_…"}');
  });

  it.each(docFiles)('%s contains no full-length key literal (secret scanners would flag it)', (file) => {
    expect(read(file)).not.toMatch(/(sk|pk)_(live|test)_[A-Za-z0-9]{38}/);
  });
});
