/**
 * What a CLI run reads and writes in place of the process's own: src/cli.ts
 * passes process.env and the process's streams; the tests pass an
 * environment and collect the text, running the CLI without a process.
 */
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { DatabaseHandle } from '../db/client.js';
import { openRuntime } from '../runtime.js';

/** How an output is shown: a terminal's width (help wraps at 80 without one), and whether tables are coloured. */
export type Display = { columns?: number; colors?: boolean };

export type CliIo = {
  /** DATABASE_URL and the rest, read as the server reads process.env. */
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Unset: a file or a pipe (80 columns, plain tables). */
  display?: { stdout?: Display; stderr?: Display };
};

/** What a command's action works with. */
export type CliContext = {
  /** One line on stdout, as console.log prints it. */
  print(line: string): void;
  /** A table for people (console.table's), or one JSON array for scripts. */
  printRows(rows: Array<Record<string, unknown>>, json: boolean | undefined): void;
  /** The database of `env`, migrated, logging on stderr (stdout carries only the answer); closed when `work` ends. */
  withDatabase<T>(work: (database: DatabaseHandle) => Promise<T>): Promise<T>;
};

/** Adds one command to the program; help lists them in the order they are added. */
export type CliCommand = (program: Command, context: CliContext) => void;

/** Ends the command: runCli prints `error: <message>` and returns exit code 1. */
export function fail(message: string): never {
  throw new Error(message);
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function cliContext(io: CliIo): CliContext {
  return {
    print: (line) => io.stdout(`${line}\n`),
    printRows: (rows, json) => io.stdout(json ? `${JSON.stringify(rows)}\n` : tableText(rows, io.display?.stdout?.colors ?? false)),
    async withDatabase(work) {
      const { database } = await openRuntime(io.env, { logTo: { write: (line: string) => io.stderr(line) } });
      try {
        return await work(database);
      } finally {
        await database.close();
      }
    },
  };
}

/** console.table's output, byte for byte: a Console of our own writing into a string. */
function tableText(rows: Array<Record<string, unknown>>, colors: boolean): string {
  let text = '';
  const collect = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      text += chunk;
      done();
    },
  });
  new Console({ stdout: collect, colorMode: colors }).table(rows);
  return text;
}
