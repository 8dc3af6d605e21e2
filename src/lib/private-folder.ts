import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Owner only: the modes PostgreSQL itself gives its data folder and files. */
export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
const GROUP_AND_OTHERS = 0o077;

/**
 * Makes `path` (and any missing parents) a folder only its owner can enter,
 * and takes group and other permissions off everything already in it, so a
 * folder written before this rule existed is closed too.
 */
export function ensurePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  restrictTree(path);
}

function restrictTree(path: string): void {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) return;
  if (stats.isDirectory()) {
    if ((stats.mode & 0o777) !== PRIVATE_FOLDER_MODE) chmodSync(path, PRIVATE_FOLDER_MODE);
    for (const entry of readdirSync(path)) restrictTree(join(path, entry));
  } else if ((stats.mode & 0o777) !== PRIVATE_FILE_MODE) {
    chmodSync(path, PRIVATE_FILE_MODE);
  }
}

/**
 * Files this process creates from now on get no group or other permissions,
 * whatever umask it was started with. An embedded database keeps creating files
 * (tables, WAL segments) long after it opened, and its file system layer writes
 * them 0666 & ~umask; PostgreSQL's postmaster sets umask 0077 for the same reason.
 */
export function restrictProcessUmask(): void {
  const previous = process.umask(GROUP_AND_OTHERS);
  process.umask(previous | GROUP_AND_OTHERS);
}
