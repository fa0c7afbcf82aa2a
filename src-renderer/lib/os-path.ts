/*
 * Path helpers for paths main hands us. The renderer never touches the file system; it only
 * needs to split a path for breadcrumbs and find its parent, on POSIX and Windows alike.
 */

export interface PathSegment {
  label: string;
  path: string;
}

function separatorOf(p: string): '/' | '\\' {
  return /^[A-Za-z]:\\/.test(p) || p.startsWith('\\\\') ? '\\' : '/';
}

/** The breadcrumb trail of an absolute path, root first. */
export function pathSegments(p: string): PathSegment[] {
  const sep = separatorOf(p);
  const parts = p.split(sep).filter((part) => part !== '');
  const rootIsDrive = sep === '\\' && /^[A-Za-z]:$/.test(parts[0] ?? '');
  const segments: PathSegment[] = [];
  let acc = '';
  if (!rootIsDrive) {
    acc = sep;
    segments.push({ label: sep, path: sep });
  }
  parts.forEach((part, index) => {
    if (rootIsDrive && index === 0) acc = `${part}${sep}`;
    else acc = acc.endsWith(sep) ? `${acc}${part}` : `${acc}${sep}${part}`;
    segments.push({ label: part, path: acc });
  });
  return segments;
}

/** The parent folder of an absolute path, or null at a root. */
export function parentOf(p: string): string | null {
  const segments = pathSegments(p);
  return segments.length >= 2 ? (segments[segments.length - 2]?.path ?? null) : null;
}

/** Joins a folder and a child name with the folder's own separator. */
export function joinPath(folder: string, name: string): string {
  const sep = separatorOf(folder);
  return folder.endsWith(sep) ? `${folder}${name}` : `${folder}${sep}${name}`;
}
