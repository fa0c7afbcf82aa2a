/*
 * What a drop of OS folders and files onto the window becomes: a task's source folder and, when
 * only some items of that folder were dropped, an include filter naming them. Pure (no DOM, no
 * I/O) so the planning is tested on its own, with POSIX, Windows drive and UNC paths alike.
 */

/** One dropped item: its OS path and, when the shell could tell, whether it is a folder. */
export interface DroppedItem {
  path: string;
  /** null when unknown: the item is then treated as an entry of its parent (always correct). */
  isDirectory: boolean | null;
}

/** The source a drop plans. */
export interface DropPlan {
  /** The absolute folder that becomes the task's source. */
  source: string;
  /** A name for a new location of that folder (its last segment, or the path at a root). */
  label: string;
  /** DataSync SIMPLE_PATTERN includes naming the dropped items ('' = the whole folder). */
  includes: string;
  /** Something the user should know (items left out, a name a filter cannot express), or null. */
  note: string | null;
}

interface SplitPath {
  parent: string;
  name: string;
}

function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** The path without trailing separators, keeping the ones a root needs ('/', 'C:\'). */
function trimTrailing(p: string): string {
  if (isWindowsPath(p)) {
    const trimmed = p.replace(/[\\/]+$/, '');
    return /^[A-Za-z]:$/.test(trimmed) ? `${trimmed}\\` : trimmed;
  }
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Parent folder and name of an absolute path, or null for a root (nothing above it). */
export function splitPath(path: string): SplitPath | null {
  const p = trimTrailing(path);
  if (p.startsWith('\\\\')) {
    // UNC: \\server\share is the root; only what is below it has a parent.
    const parts = p.slice(2).split(/[\\/]/).filter(Boolean);
    if (parts.length <= 2) return null;
    return { parent: `\\\\${parts.slice(0, -1).join('\\')}`, name: parts[parts.length - 1] ?? '' };
  }
  if (isWindowsPath(p)) {
    const cut = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
    const name = p.slice(cut + 1);
    if (name === '') return null;
    const parent = p.slice(0, cut);
    return { parent: /^[A-Za-z]:$/.test(parent) ? `${parent}\\` : parent, name };
  }
  const cut = p.lastIndexOf('/');
  const name = p.slice(cut + 1);
  if (cut < 0 || name === '') return null;
  return { parent: cut === 0 ? '/' : p.slice(0, cut), name };
}

/** The name a location made for this folder gets: its last segment, or the root itself. */
export function folderLabel(path: string): string {
  return splitPath(path)?.name ?? trimTrailing(path);
}

/** Compares two folder paths the way their OS would (Windows is case-insensitive). */
export function samePath(a: string, b: string): boolean {
  const x = trimTrailing(a);
  const y = trimTrailing(b);
  return isWindowsPath(x) ? x.toLowerCase() === y.toLowerCase() : x === y;
}

/**
 * Plans a task's source from dropped items (in drop order):
 * - one folder: that folder, no filter;
 * - files or several items of one folder: that folder, with an include filter naming them;
 * - items of different folders: the first item's folder (a task has one source), and a note
 *   saying which items were left out.
 * Returns null when nothing usable was dropped.
 */
export function planDroppedPaths(items: readonly DroppedItem[]): DropPlan | null {
  const usable = items.filter((item) => item.path !== '');
  const first = usable[0];
  if (!first) return null;

  const firstSplit = splitPath(first.path);
  if ((usable.length === 1 && first.isDirectory === true) || !firstSplit) {
    // A single folder, or a root (a drive, "/", a share): it is the source itself.
    const extra = usable.length - 1;
    return {
      source: trimTrailing(first.path),
      label: folderLabel(first.path),
      includes: '',
      note: extra > 0 ? leftOutNote(extra, trimTrailing(first.path)) : null,
    };
  }

  const parent = firstSplit.parent;
  const names: string[] = [];
  let leftOut = 0;
  for (const item of usable) {
    const split = splitPath(item.path);
    if (split && samePath(split.parent, parent)) {
      if (!names.includes(split.name)) names.push(split.name);
    } else {
      leftOut++;
    }
  }

  const notes: string[] = [];
  if (leftOut > 0) notes.push(leftOutNote(leftOut, parent));
  // SIMPLE_PATTERN has no escape for '|': such a name cannot be one pattern of the list.
  const unnamable = names.filter((name) => name.includes('|'));
  let includes = names.map((name) => `/${name}`).join('|');
  if (unnamable.length > 0) {
    includes = '';
    notes.push(
      `"${unnamable[0]}" contains "|", which a filter cannot name, so the whole folder is the ` +
        'source: add filters in the task if you want less.',
    );
  }
  return {
    source: parent,
    label: folderLabel(parent),
    includes,
    note: notes.length > 0 ? notes.join(' ') : null,
  };
}

function leftOutNote(count: number, source: string): string {
  const items = count === 1 ? '1 dropped item is' : `${count} dropped items are`;
  return (
    `A task has one source folder: the dropped items come from different folders, so this task ` +
    `uses ${source}, the folder of the first one; ${items} not part of it. Drop the others ` +
    'separately to make a task for them.'
  );
}
