/**
 * The operator commands, run on the arguments, environment and outputs they
 * are given rather than the process's: src/cli.ts runs them for
 * `npm run cli`, the tests in their own process. Nothing outlives a run: each
 * builds its program afresh and closes the database it opened.
 */
import { Command, CommanderError } from 'commander';
import { StartupRefused } from '../runtime.js';
import { cliContext, messageOf, type CliCommand, type CliIo } from './context.js';
import { registerDocuments, removeDocuments, scopesFor } from './document-commands.js';
import { createKey, limitKey, listKeys, revokeKey } from './key-commands.js';
import {
  addOrganizationMember,
  bootstrap,
  createOrganizationServiceAccount,
  listOrganizationMembers,
  listOrganizations,
  updateOrganizationMember,
} from './organization-commands.js';

export type { CliIo, Display } from './context.js';

/** In the order help lists them. */
const COMMANDS: CliCommand[] = [
  bootstrap,
  scopesFor,
  listOrganizations,
  listOrganizationMembers,
  listKeys,
  revokeKey,
  createKey,
  limitKey,
  addOrganizationMember,
  createOrganizationServiceAccount,
  updateOrganizationMember,
  registerDocuments,
  removeDocuments,
];

/** Runs one command line (without the `node cli.ts` in front) and answers its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await programFor(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has written its message (and the help) already.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof StartupRefused) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    // One line: a multi-line message (a database error carries its query) is cut to its first.
    io.stderr(`error: ${messageOf(error).split('\n')[0]}\n`);
    return 1;
  }
}

function programFor(io: CliIo): Command {
  // Set before the commands are added: each copies its parent's settings when it is created.
  const program = new Command('tessera')
    .description('Tessera operator commands')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      getOutHelpWidth: () => io.display?.stdout?.columns ?? 80,
      getErrHelpWidth: () => io.display?.stderr?.columns ?? 80,
      // Only strips colours when false, and the help has none: nothing is read from the process's streams or environment.
      getOutHasColors: () => io.display?.stdout?.colors ?? false,
      getErrHasColors: () => io.display?.stderr?.colors ?? false,
    });
  const context = cliContext(io);
  for (const add of COMMANDS) add(program, context);
  return program;
}
