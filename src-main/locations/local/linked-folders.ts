import { lstatSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../src-shared/errors';
import { errnoOf, mapFsError } from './map-fs-error';

/*
 * A folder of the destination that is a symbolic link would take every write below it
 * somewhere else: a link `docs -> /etc` and a source folder `docs` holding `passwd` would
 * write /etc/passwd. list() reports such a link as a link, never a folder; so must writes: a
 * path whose folders include a link is refused with not-dir, naming the link. The answer for a
 * folder is remembered (bounded), so that a run of many files checks each folder once; a link
 * planted in the middle of a run, after its folder was seen, is not caught (Node has no
 * openat/O_NOFOLLOW walk).
 */

const REMEMBERED = 10_000;

/** Checks paths inside one root; `known` holds folders already seen to be real folders. */
export class LinkedFolderGuard {
  private readonly known = new Set<string>();
  // A plain field, not a parameter property: this module also runs as Node's stripped TS.
  private readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /**
   * Refuses `relPath` (safe, '/'-separated) when one of its folders below the root is a
   * symbolic link; with `self`, the path itself too (a folder to create). A missing component
   * ends the check: nothing below it exists to be followed. Throws AppError('not-dir'), or the
   * lstat's own error mapped (permission-denied...).
   */
  async check(relPath: string, self = false): Promise<void> {
    for (const folder of this.folders(relPath, self)) {
      let info;
      try {
        info = await lstat(folder.abs);
      } catch (error) {
        if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
        throw mapFsError(error, folder.abs, 'check folder');
      }
      if (!this.judge(folder, info.isSymbolicLink(), info.isDirectory())) return;
    }
  }

  /** `check` with blocking calls, for worker threads. */
  checkSync(relPath: string, self = false): void {
    for (const folder of this.folders(relPath, self)) {
      let info;
      try {
        info = lstatSync(folder.abs);
      } catch (error) {
        if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
        throw mapFsError(error, folder.abs, 'check folder');
      }
      if (!this.judge(folder, info.isSymbolicLink(), info.isDirectory())) return;
    }
  }

  /** The folders to check, outermost first, those already known left out. */
  private folders(relPath: string, self: boolean): { rel: string; abs: string }[] {
    // The deepest folder already known: its outer folders were checked with it (outermost
    // first, and the memory is cleared whole), so there is nothing to look at. Most files.
    const deepest = self ? relPath : relPath.slice(0, Math.max(0, relPath.lastIndexOf('/')));
    if (deepest === '' || this.known.has(deepest)) return [];
    const segments = relPath === '' ? [] : relPath.split('/');
    const count = self ? segments.length : segments.length - 1;
    const out: { rel: string; abs: string }[] = [];
    for (let i = 1; i <= count; i++) {
      const rel = segments.slice(0, i).join('/');
      if (!this.known.has(rel)) out.push({ rel, abs: path.join(this.root, ...rel.split('/')) });
    }
    return out;
  }

  /** Throws for a link; remembers a real folder. False: stop (a file: the I/O will say so). */
  private judge(folder: { rel: string; abs: string }, isLink: boolean, isDir: boolean): boolean {
    if (isLink) {
      throw new AppError(
        'not-dir',
        `Not a folder: ${folder.abs} is a symbolic link, and writing through it would leave ${this.root}`,
        { path: folder.abs },
      );
    }
    if (!isDir) return false;
    if (this.known.size >= REMEMBERED) this.known.clear();
    this.known.add(folder.rel);
    return true;
  }
}
