/**
 * The GraphQL operations the test suite itself sends: every string and
 * template literal in the .ts files under test/ that parses as a GraphQL
 * document and validates against the schema, one entry per operation. A template's
 * `${NAME}` is filled in when NAME is a string constant of the same file or
 * of another test file (`API_KEY_FIELDS`, `BOOKING_FIELDS`); a template with
 * any other substitution (an id, a loop counter) is left out.
 *
 * Literals are found by a small scanner (strings, templates and their
 * `${…}`, comments) rather than a TypeScript parse, which costs seconds
 * across the suite. A regular expression holding an odd number of quotes can
 * mislead it for the rest of its line, and what it reads wrongly does not
 * parse as GraphQL: at worst an operation is missed, none is made up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Kind, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

export type SuiteOperation = { file: string; text: string; document: DocumentNode; operation: OperationDefinitionNode };

type Part = string | { expression: string };
type Literal = { parts: Part[]; constant: string | null };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' };
const CONSTANT = /(?:^|[\n;])\s*(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=\s*$/;
const GRAPHQL_START = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription|fragment|\{)/;

/** Every string and template literal of a TypeScript source, with the constant it initializes, if any. */
export function literalsOf(source: string): Literal[] {
  const literals: Literal[] = [];
  const constantBefore = (at: number) => CONSTANT.exec(source.slice(Math.max(0, at - 120), at))?.[1] ?? null;

  const readString = (start: number, quote: string): number => {
    let text = '';
    let i = start + 1;
    for (; i < source.length && source[i] !== quote && source[i] !== '\n'; i++) {
      if (source[i] === '\\') text += ESCAPES[source[++i]!] ?? source[i];
      else text += source[i];
    }
    literals.push({ parts: [text], constant: constantBefore(start) });
    return i + 1;
  };

  const readTemplate = (start: number): number => {
    const parts: Part[] = [];
    let text = '';
    let i = start + 1;
    while (i < source.length && source[i] !== '`') {
      if (source[i] === '\\') {
        text += ESCAPES[source[i + 1]!] ?? source[i + 1];
        i += 2;
      } else if (source[i] === '$' && source[i + 1] === '{') {
        parts.push(text);
        text = '';
        const end = readCode(i + 2, '}');
        parts.push({ expression: source.slice(i + 2, end).trim() });
        i = end + 1;
      } else {
        text += source[i++];
      }
    }
    parts.push(text);
    literals.push({ parts, constant: constantBefore(start) });
    return i + 1;
  };

  /** Code up to the closing `until` at depth zero (or the end); returns its index. */
  const readCode = (start: number, until: string | null): number => {
    let depth = 0;
    let i = start;
    while (i < source.length) {
      const char = source[i]!;
      if (char === '/' && source[i + 1] === '/') i = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
      else if (char === '/' && source[i + 1] === '*') i = source.indexOf('*/', i + 2) === -1 ? source.length : source.indexOf('*/', i + 2) + 2;
      else if (char === "'" || char === '"') i = readString(i, char);
      else if (char === '`') i = readTemplate(i);
      else {
        if (char === '{') depth++;
        else if (char === '}') {
          if (depth === 0 && until === '}') return i;
          depth--;
        }
        i++;
      }
    }
    return i;
  };

  readCode(0, null);
  return literals;
}

/** A literal's text with its substitutions filled in from `constants`; null when one is not a known constant. */
function textOf(literal: Literal, constants: ReadonlyMap<string, string>): string | null {
  let text = '';
  for (const part of literal.parts) {
    if (typeof part === 'string') text += part;
    else if (constants.has(part.expression)) text += constants.get(part.expression);
    else return null;
  }
  return text;
}

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The operations the suite sends, each once (the same text in several files counts once), in a stable order. */
export function suiteOperations(schema: GraphQLSchema, root: string): SuiteOperation[] {
  const files = testFiles(join(root, 'test')).map((path) => ({ file: relative(root, path), literals: literalsOf(readFileSync(path, 'utf8')) }));
  // Constants first: a file's own, then any other file's (the helpers export theirs); filled in until nothing changes.
  const shared = new Map<string, string>();
  const local = new Map(files.map(({ file }) => [file, new Map<string, string>()]));
  for (let round = 0, grew = true; grew && round < 5; round++) {
    grew = false;
    for (const { file, literals } of files) {
      const own = local.get(file)!;
      for (const literal of literals) {
        if (!literal.constant || own.has(literal.constant)) continue;
        const text = textOf(literal, new Map([...shared, ...own]));
        if (text === null) continue;
        own.set(literal.constant, text);
        if (!shared.has(literal.constant)) shared.set(literal.constant, text);
        grew = true;
      }
    }
  }
  const seen = new Set<string>();
  const operations: SuiteOperation[] = [];
  for (const { file, literals } of files) {
    const constants = new Map([...shared, ...local.get(file)!]);
    for (const literal of literals) {
      const text = textOf(literal, constants);
      if (text === null || !GRAPHQL_START.test(text) || seen.has(text)) continue;
      seen.add(text);
      const document = validDocument(schema, text);
      for (const definition of document?.definitions ?? []) {
        if (definition.kind === Kind.OPERATION_DEFINITION) operations.push({ file, text, document: document!, operation: definition });
      }
    }
  }
  return operations;
}

function validDocument(schema: GraphQLSchema, text: string): DocumentNode | null {
  try {
    const document = parse(text);
    return validate(schema, document).length === 0 ? document : null;
  } catch {
    return null;
  }
}
