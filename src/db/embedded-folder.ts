import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PRIVATE_FILE_MODE } from '../lib/private-folder.js';

/**
 * One process owns an embedded database folder. PGlite has no lock of its own:
 * two processes opening one folder each keep their own copy of the data in
 * memory and overwrite each other's files, so what one of them wrote is lost.
 */
export const LOCK_FILE = 'tessera.lock';

/** Another live process holds the folder; nothing was opened or written. */
export class EmbeddedDatabaseInUse extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${folder} is in use by process ${pid}; stop it or use the server's API ` +
        `(or point DATABASE_URL at PostgreSQL to share one database).`,
    );
  }
}

export type EmbeddedLock = {
  /** Set when a dead process's lock was taken over: its pid, null if the file held none. */
  takenOver: { from: number | null } | null;
  /** Removes the lock if it is still ours. Safe to call more than once. */
  release(): void;
};

/** Folders locked by this process: a second open in the same process is refused like any other. */
const heldHere = new Set<string>();

/** A lock file still empty after this long was left by a process that died while writing it. */
const WRITING_GRACE_MS = 1000;

/**
 * Takes the folder's lock file (created exclusively, mode 0600, holding our
 * pid), or throws EmbeddedDatabaseInUse naming the live holder. A lock whose
 * process is gone (killed, crashed) is taken over. The lock is removed on
 * release and, should the process end without closing the database, on exit.
 */
export async function lockEmbeddedFolder(folder: string): Promise<EmbeddedLock> {
  const path = resolve(folder, LOCK_FILE);
  let takenOver: EmbeddedLock['takenOver'] = null;
  for (;;) {
    if (tryCreate(path)) break;
    const holder = await readHolder(path);
    if (holder === undefined) continue; // removed meanwhile: try again
    if (holder !== null && isAlive(holder) && (holder !== process.pid || heldHere.has(path))) {
      throw new EmbeddedDatabaseInUse(folder, holder);
    }
    if (!takeOver(path, holder)) continue;
    takenOver = { from: holder };
  }
  heldHere.add(path);
  const release = () => {
    process.off('exit', release);
    if (!heldHere.delete(path)) return;
    if (readPid(path) === process.pid) unlinkSync(path);
  };
  process.on('exit', release);
  return { takenOver, release };
}

/** True when the folder holds a database already (PostgreSQL writes PG_VERSION first). */
export const holdsEmbeddedDatabase = (folder: string) => existsSync(join(folder, 'PG_VERSION'));

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * The holder's pid; null for a lock with no readable pid that is old enough
 * to be abandoned; undefined when the file is gone. A lock created a moment
 * ago may not hold its pid yet: it is read again until it does.
 */
async function readHolder(path: string): Promise<number | null | undefined> {
  for (;;) {
    const pid = readPid(path);
    if (pid !== null) return pid;
    let age: number;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    if (age > WRITING_GRACE_MS) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** `kill(pid, 0)` sends nothing: ESRCH means no such process; EPERM means one we may not signal, alive. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Moves the dead holder's lock aside (a rename is atomic: of two processes
 * taking over at once, one moves it) and checks that what it moved is that
 * lock, not a fresh one the other process wrote meanwhile; a fresh one is put
 * back. Answers whether the way is clear for creating ours.
 */
function takeOver(path: string, deadHolder: number | null): boolean {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readPid(aside);
  if (moved !== deadHolder && moved !== null && isAlive(moved)) {
    renameSync(aside, path);
    return false;
  }
  unlinkSync(aside);
  return true;
}
