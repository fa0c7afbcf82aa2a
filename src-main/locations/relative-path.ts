import { AppError } from '../../src-shared/errors';

/**
 * Refuses a relative location path that could escape the root or that no store can hold:
 * absolute paths, '.', '..' or empty segments, NUL bytes. (Names a particular store cannot hold,
 * such as a backslash on SMB, are that location's to refuse with invalid-name.)
 * Returns the path unchanged when it is safe. Throws AppError('invalid-name').
 */
export function assertSafeRelativePath(path: string): string {
  if (path === '') return path;
  const problem = path.includes('\0')
    ? 'contains a NUL byte'
    : path.startsWith('/')
      ? 'is absolute'
      : path.endsWith('/')
        ? 'ends with a slash'
        : path.split('/').some((s) => s === '' || s === '.' || s === '..')
          ? "has an empty, '.' or '..' segment"
          : null;
  if (problem)
    throw new AppError('invalid-name', `Unsafe path "${printable(path)}": it ${problem}`, {
      path: printable(path),
    });
  return path;
}

/** Joins a relative folder path and a child name. */
export function joinRelative(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** The parent of a relative path ('' for top-level entries). */
export function parentOfRelative(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function printable(path: string): string {
  return path.replace(/\0/g, '\\0').slice(0, 300);
}
