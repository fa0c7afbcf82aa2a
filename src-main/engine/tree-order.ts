/*
 * The one order in which both sides of a comparison are walked: depth first, each folder's
 * entries sorted by name in code-unit order, a folder immediately followed by its contents.
 * Comparing two paths segment by segment gives the same order, so two walks can be merged.
 */

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders relative paths as a tree walk visits them. */
export function compareTreePaths(a: string, b: string): number {
  if (a === b) return 0;
  const sa = a.split('/');
  const sb = b.split('/');
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const c = compareNames(sa[i] as string, sb[i] as string);
    if (c !== 0) return c;
  }
  return sa.length - sb.length;
}

export function sortByName<T extends { path: string }>(entries: T[]): T[] {
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  return entries.sort((x, y) => compareNames(base(x.path), base(y.path)));
}
