import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_TABLES, readmeSection } from '../../scripts/readme-tables.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const configSource = readFileSync(new URL('../../src/config/config.ts', import.meta.url), 'utf8');

describe('README', () => {
  it.each(Object.keys(README_TABLES))('has the %s table the code prints (npx tsx scripts/readme-tables.ts --write)', (name) => {
    expect(readmeSection(readme, name)).toBe(README_TABLES[name as keyof typeof README_TABLES]());
  });

  it('documents every variable src/config/config.ts reads', () => {
    const variables = new Set<string>();
    for (const match of configSource.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\benv,\s*'([A-Z][A-Z0-9_]+)'|ConfigError\('([A-Z][A-Z0-9_]+)'/g)) {
      variables.add((match[1] ?? match[2] ?? match[3])!);
    }
    expect([...variables]).toEqual(expect.arrayContaining(['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'TRUST_PROXY']));
    for (const variable of variables) expect(readme, `${variable} is not in the README`).toContain(`\`${variable}\``);
  });

  it('shows the two quick-start commands and the GraphiQL header', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    expect(readme).toContain('{"Authorization": "Bearer sk_test_…"}');
  });

  it('contains no full-length key literal (secret scanners would flag it)', () => {
    expect(readme).not.toMatch(/(sk|pk)_(live|test)_[A-Za-z0-9]{38}/);
  });
});
