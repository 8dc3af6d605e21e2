/**
 * The README's scope and error tables, printed from the code that enforces
 * them (src/auth/access/scopes.ts, src/lib/errors.ts), so the documentation
 * cannot drift: a unit test compares the README with this output.
 *
 *   npx tsx scripts/readme-tables.ts           print both tables
 *   npx tsx scripts/readme-tables.ts --write   rewrite them in README.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../src/lib/errors.js';
import { ALL_SCOPES, PUBLIC_KEY_SCOPES, ROLE_SCOPES, SCOPE_GROUPS, SCOPES, WILDCARD } from '../src/auth/access/scopes.js';

const yes = (value: boolean) => (value ? 'yes' : '—');
const code = (name: string) => `\`${name}\``;

export function scopeTable(): string {
  const rows = ALL_SCOPES.map(
    (scope) => `| ${code(scope)} | ${SCOPES[scope]} | ${yes(PUBLIC_KEY_SCOPES.includes(scope))} | ${yes(ROLE_SCOPES.MEMBER.has(scope))} |`,
  );
  const groups = Object.entries(SCOPE_GROUPS).map(
    ([group, scopes]) => `| ${code(group)} | Group: ${scopes.map(code).join(', ')}. | ${yes(scopes.every((s) => PUBLIC_KEY_SCOPES.includes(s)))} | ${yes(scopes.every((s) => ROLE_SCOPES.MEMBER.has(s)))} |`,
  );
  return [
    '| scope | grants | public keys | MEMBER role |',
    '|---|---|---|---|',
    ...rows,
    ...groups,
    `| ${code(WILDCARD)} | Every scope above; secret keys only. | — | only the scopes marked yes |`,
  ].join('\n');
}

export function errorTable(): string {
  return [
    '| HTTP status | `extensions.code` | `extensions.type` | when |',
    '|---|---|---|---|',
    ...Object.entries(ERROR_CODES).map(([name, { status, type, when }]) => `| ${status} | ${code(name)} | ${code(type)} | ${when} |`),
  ].join('\n');
}

export const README_TABLES = { scopes: scopeTable, errors: errorTable } as const;

/** The text between `<!-- NAME:start -->` and `<!-- NAME:end -->`, trimmed. */
export function readmeSection(readme: string, name: string): string | undefined {
  return new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme)?.[1]?.trim();
}

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) {
    let readme = readFileSync(readmePath, 'utf8');
    for (const [name, table] of Object.entries(README_TABLES)) {
      readme = readme.replace(
        new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`),
        (_match, start: string, end: string) => `${start}${table()}${end}`,
      );
    }
    writeFileSync(readmePath, readme);
    console.log('README.md tables rewritten from the code.');
  } else {
    for (const [name, table] of Object.entries(README_TABLES)) console.log(`<!-- ${name} -->\n${table()}\n`);
  }
}
