/*
 * The one order in which both sides of a comparison are walked: depth first, each folder's
 * entries sorted by name in code-unit order, a folder immediately followed by its contents.
 * That is the paths' code-unit order with '/' ranked below every other character, so two walks
 * can be merged by comparing paths directly, without splitting them.
 */

const SLASH = 0x2f;

/** Orders relative paths as a tree walk visits them. Allocates nothing. */
export function compareTreePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca === SLASH) return -1;
    if (cb === SLASH) return 1;
    return ca - cb;
  }
  return a.length - b.length;
}

/** Sorts the entries of one folder in tree order (they share the folder's prefix). */
export function sortByName<T extends { path: string }>(entries: T[]): T[] {
  return entries.sort((x, y) => compareTreePaths(x.path, y.path));
}
