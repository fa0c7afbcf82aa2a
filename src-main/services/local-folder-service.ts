import { opendir, stat, lstat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../src-shared/errors';
import type { Entry, EntryKind, Listing } from '../../src-shared/model/entry';
import { mapBounded } from '../locations/map-bounded';
import { errnoOf, mapFsError } from '../locations/local/map-fs-error';
import { detectNetworkMount } from '../locations/local/network-mount';

export interface ListOptions {
  /** Include names starting with a dot. */
  showHidden: boolean;
}

/** How many entries are examined at once: enough to hide disk latency, few enough for NFS mounts. */
const STAT_CONCURRENCY = 32;

/**
 * Lists one local folder for the file browser: names, kinds, sizes and modification times,
 * sorted by name. Entries that vanish or cannot be examined while listing are counted in
 * `skipped` rather than failing the whole folder. `networkMount` names the NFS or SMB share the
 * folder is on, when the OS mounted one there.
 *
 * Throws AppError: invalid-input (relative path), not-found, not-dir, permission-denied.
 * Read-only and idempotent.
 */
export async function listLocalFolder(folder: string, options: ListOptions): Promise<Listing> {
  if (!path.isAbsolute(folder)) {
    throw new AppError('invalid-input', `Not an absolute path: ${folder}`);
  }
  const resolved = path.resolve(folder);
  // Looked up while the folder is read; a detection failure answers null, never an error.
  const networkMount = detectNetworkMount(resolved);
  let names: string[];
  try {
    names = await readNames(resolved);
  } catch (error) {
    throw mapFsError(error, resolved, 'read folder');
  }
  const visible = options.showHidden ? names : names.filter((n) => !n.startsWith('.'));
  const examined = await mapBounded(visible, STAT_CONCURRENCY, (name) =>
    examine(path.join(resolved, name), name),
  );
  const entries = examined.filter((e): e is Entry => e !== null);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parent = path.dirname(resolved);
  return {
    path: resolved,
    parent: parent === resolved ? null : parent,
    entries,
    skipped: examined.length - entries.length,
    networkMount: await networkMount,
  };
}

async function readNames(folder: string): Promise<string[]> {
  const dir = await opendir(folder);
  const names: string[] = [];
  for await (const dirent of dir) names.push(dirent.name);
  return names;
}

async function examine(fullPath: string, name: string): Promise<Entry | null> {
  try {
    const info = await lstat(fullPath);
    if (info.isSymbolicLink()) {
      const target = await stat(fullPath).catch(() => null);
      return {
        name,
        kind: 'symlink',
        size: target?.isFile() ? target.size : 0,
        mtimeMs: info.mtimeMs,
        targetIsDir: target?.isDirectory() ?? false,
      };
    }
    const kind: EntryKind = info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
    return { name, kind, size: kind === 'file' ? info.size : 0, mtimeMs: info.mtimeMs };
  } catch (error) {
    // Gone since the folder was read, or not ours to look at: skip it, keep the listing.
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'EACCES' || errno === 'EPERM') return null;
    throw mapFsError(error, fullPath, 'examine entry');
  }
}
