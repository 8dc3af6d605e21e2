/**
 * The documentation's generated tables, printed from the code they describe,
 * so the docs cannot drift: a unit test (test/unit/docs.test.ts) compares each
 * file with this output.
 *
 *   configuration  docs/configuration.md     src/config/settings.ts
 *   scopes         docs/keys-and-scopes.md   src/auth/access/scopes.ts
 *   errors         docs/errors.md            src/lib/errors.ts
 *   webhook-events docs/booking-domain.md    src/modules/webhooks/webhook-events.ts
 *   input-limits   docs/errors.md            src/lib/input-limits.ts
 *
 *   npx tsx scripts/doc-tables.ts           print every table
 *   npx tsx scripts/doc-tables.ts --write   rewrite them in their files
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listSettings } from '../src/config/setting.js';
import { SETTINGS } from '../src/config/settings.js';
import { ALL_ERROR_CODES, type ErrorCodeEntry } from '../src/lib/errors.js';
import { INPUT_LIMIT_RULES, TEXT_LIMIT_FIELDS, TEXT_LIMITS } from '../src/lib/input-limits.js';
import { ALL_SCOPES, PUBLIC_KEY_SCOPES, ROLE_SCOPES, SCOPE_GROUPS, SCOPES, WILDCARD } from '../src/auth/access/scopes.js';
import { WEBHOOK_EVENTS } from '../src/modules/webhooks/webhook-events.js';

const yes = (value: boolean) => (value ? 'yes' : '—');
const code = (name: string) => `\`${name}\``;

export function configurationTable(): string {
  return [
    '| variable | default | accepts | meaning |',
    '|---|---|---|---|',
    ...listSettings(SETTINGS).map(
      (setting) => `| ${code(setting.variable)} | ${setting.shownDefault ?? 'unset'} | ${setting.accepts} | ${setting.description} |`,
    ),
  ].join('\n');
}

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

/** One status cell of the error table: for a request refused outright, and (on a field) next to other fields' data. */
export function statusCell(entry: ErrorCodeEntry, accept: 'application/json' | 'application/graphql-response+json'): string {
  const json = accept === 'application/json' ? entry.applicationJson : undefined;
  const request =
    entry.status === undefined ? undefined : json ? (json.when ? `${entry.status}; ${json.status} ${json.when}` : `${json.status}`) : `${entry.status}`;
  if (!entry.onField) return request!;
  return request === undefined ? '200 (on a field)' : `${request}; 200 on a field`;
}

export function errorTable(): string {
  return [
    '| `extensions.code` | HTTP status, `Accept: application/json` | HTTP status, `Accept: application/graphql-response+json` | `extensions.type` | when |',
    '|---|---|---|---|---|',
    ...Object.entries(ALL_ERROR_CODES).map(
      ([name, entry]) =>
        `| ${code(name)} | ${statusCell(entry, 'application/json')} | ${statusCell(entry, 'application/graphql-response+json')} | ${code(entry.type)} | ${entry.when} |`,
    ),
  ].join('\n');
}

export function webhookEventTable(): string {
  return [
    '| event | when | subscribing requires |',
    '|---|---|---|',
    ...Object.entries(WEBHOOK_EVENTS).map(
      ([event, { when, requires }]) => `| ${code(event)} | ${when} | ${requires.map((all) => all.map(code).join(' and ')).join(' or ')} |`,
    ),
  ].join('\n');
}

export function inputLimitsTable(): string {
  return [
    '| argument | accepted |',
    '|---|---|',
    ...INPUT_LIMIT_RULES.map(({ input, limit }) => `| ${input} | ${limit} |`),
    '',
    '| text | at most (characters) |',
    '|---|---|',
    ...Object.entries(TEXT_LIMITS).map(([name, max]) => `| ${TEXT_LIMIT_FIELDS[name as keyof typeof TEXT_LIMITS]} | ${max} |`),
  ].join('\n');
}

/** Each generated table, and the file (relative to the repository) it lives in between its markers. */
export const DOC_TABLES = {
  configuration: { file: 'docs/configuration.md', print: configurationTable },
  scopes: { file: 'docs/keys-and-scopes.md', print: scopeTable },
  errors: { file: 'docs/errors.md', print: errorTable },
  'webhook-events': { file: 'docs/booking-domain.md', print: webhookEventTable },
  'input-limits': { file: 'docs/errors.md', print: inputLimitsTable },
} as const;

const markers = (name: string) => new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`);

/** The text between `<!-- NAME:start -->` and `<!-- NAME:end -->`, trimmed. */
export function docSection(text: string, name: string): string | undefined {
  return markers(name).exec(text)?.[1]?.trim();
}

const repositoryFile = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const write = process.argv.includes('--write');
  for (const [name, { file, print }] of Object.entries(DOC_TABLES)) {
    if (!write) {
      console.log(`<!-- ${name} (${file}) -->\n${print()}\n`);
      continue;
    }
    const before = readFileSync(repositoryFile(file), 'utf8');
    if (docSection(before, name) === undefined) throw new Error(`${file} has no ${name} markers`);
    const after = before.replace(markers(name), () => `<!-- ${name}:start -->\n${print()}\n<!-- ${name}:end -->`);
    writeFileSync(repositoryFile(file), after);
    console.log(`${file}: ${name} table rewritten from the code.`);
  }
}
