/**
 * Break-glass and scripting: `npm run cli -- <command>` (the commands:
 * src/cli/). Uses the same DATABASE_URL rules as the server. An embedded
 * database belongs to one process: while the server runs on a folder, the
 * CLI is refused there. Logs go to stderr, so stdout carries only the answer.
 */
import { WriteStream } from 'node:tty';
import { runCli, type Display } from './cli/program.js';

const displayOf = (stream: NodeJS.WriteStream): Display => ({
  columns: stream.isTTY ? stream.columns : undefined,
  // Node's console's rule for its own tables: a terminal with colours, or FORCE_COLOR wherever they go
  // (the colour depth is read from the environment alone, so tty's answers for a pipe too).
  colors: (stream.isTTY || process.env.FORCE_COLOR !== undefined) && WriteStream.prototype.getColorDepth() > 2,
});

// An exit code rather than process.exit(): what is still being written to a pipe gets there.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  display: { stdout: displayOf(process.stdout), stderr: displayOf(process.stderr) },
});
