import { parentOfRelative } from '../relative-path';

/** Folders whose sub-folders are remembered at most; beyond, the oldest are forgotten. */
const MAX_FOLDERS = 10_000;

/**
 * The sub-folder names of folders one S3 location has listed or created. With them a write
 * needs no request of its own to prove that its parent folder exists and that no folder has the
 * file's name: one listing per folder (and worker) instead of one request per file. Entries are
 * only ever added by what this location saw or did, so a folder another client creates
 * meanwhile may be missed: the write then succeeds next to it, as S3 allows, and loses nothing.
 */
export class FolderCache {
  private readonly children = new Map<string, Set<string>>();

  /** The known sub-folder names of `folder`, or undefined when it was not listed. */
  get(folder: string): Set<string> | undefined {
    return this.children.get(folder);
  }

  /** Records a complete listing of `folder`'s sub-folders. */
  set(folder: string, names: Iterable<string>): void {
    if (this.children.size >= MAX_FOLDERS && !this.children.has(folder)) {
      const oldest = this.children.keys().next().value;
      if (oldest !== undefined) this.children.delete(oldest);
    }
    this.children.set(folder, new Set(names));
  }

  /** `path` is a folder now (created or seen); `created` means it is known to be empty. */
  addFolder(path: string, created: boolean): void {
    if (path === '') return;
    const parent = parentOfRelative(path);
    this.children.get(parent)?.add(path.slice(parent === '' ? 0 : parent.length + 1));
    if (created && !this.children.has(path)) this.set(path, []);
  }

  /** `path` and everything below it are gone. */
  forget(path: string): void {
    for (const folder of [...this.children.keys()]) {
      if (folder === path || folder.startsWith(`${path}/`)) this.children.delete(folder);
    }
    const parent = parentOfRelative(path);
    this.children.get(parent)?.delete(path.slice(parent === '' ? 0 : parent.length + 1));
  }
}
