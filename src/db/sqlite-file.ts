import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Mode of a folder Gatehouse creates for its data: the owner only. */
export const DATA_DIR_MODE = 0o700;
/** Mode of the SQLite file (SQLite gives its -wal and -shm files the same): the owner only. */
export const DATA_FILE_MODE = 0o600;

/**
 * Makes the SQLite file private before the driver opens it: missing folders are created
 * 700, a missing file is created 600 (SQLite then creates `-wal` and `-shm` with the same
 * mode), and an existing file readable or writable by group or others is narrowed to 600.
 * The database holds password hashes and token hashes: no other local user reads it.
 * Existing folders are left as they are (they may be shared, e.g. the working directory).
 *
 * @example prepareSqliteFile('/var/lib/gatehouse/gatehouse.sqlite');
 */
export function prepareSqliteFile(path: string): void {
  if (path === ':memory:') return;
  mkdirSync(dirname(path), { recursive: true, mode: DATA_DIR_MODE });
  closeSync(openSync(path, 'a', DATA_FILE_MODE));
  const { mode } = statSync(path);
  if ((mode & 0o077) !== 0) {
    try {
      chmodSync(path, mode & 0o700);
    } catch {
      // Not ours to change (another owner): leave it, the driver reports what it must.
    }
  }
}
