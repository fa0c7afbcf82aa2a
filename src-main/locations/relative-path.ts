import { AppError } from '../../src-shared/errors';
import type { EntryInfo } from './location';

/** A high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Refuses a relative location path that could escape the root or that no store can hold:
 * absolute paths, '.', '..' or empty segments, NUL bytes, text that is not valid Unicode (a
 * lone UTF-16 surrogate, which UTF-8 stores would silently turn into U+FFFD, so that two names
 * became one). (Names a particular store cannot hold, such as a backslash on SMB, are that
 * location's to refuse with invalid-name.)
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
          : LONE_SURROGATE.test(path)
            ? 'is not valid Unicode (a lone surrogate)'
            : null;
  if (problem)
    throw new AppError('invalid-name', `Unsafe path "${printable(path)}": it ${problem}`, {
      path: printable(path),
    });
  return path;
}

/**
 * Why a name a store listed cannot be the name of an entry anywhere, or null when it is fine:
 * empty, '.' or '..' (it would name the folder itself or leave it), a '/' (it would name an
 * entry of another folder), a NUL byte, or not valid Unicode. A listing turns such a name into
 * a problem entry (`problemEntry`) instead of a path, so that nothing ever follows it. Never
 * throws.
 */
export function listedNameProblem(name: string): string | null {
  if (name === '') return 'an empty name';
  if (name === '.' || name === '..') return `the name "${name}", which would leave its folder`;
  if (name.includes('/')) return 'a "/" in its name, which would name an entry of another folder';
  if (name.includes('\0')) return 'a NUL byte in its name';
  if (LONE_SURROGATE.test(name)) return 'a name that is not valid Unicode (a lone surrogate)';
  return null;
}

/**
 * The inert entry a listing gives for a name that cannot be transferred: type 'other' (never
 * listed into, read or written), a stand-in path (the name in JSON quotes with '/' escaped, so
 * that it is one segment and never '..'), and `problem` = `<what> "<name>" cannot be transferred:
 * it has <reason>`, which the engine reports per file. `shown` is the name as listed (U+FFFD
 * where its bytes were not UTF-8: `reason` then gives the bytes). Never throws.
 */
export function refusedNameEntry(
  folder: string,
  shown: string,
  what: string,
  reason: string,
): EntryInfo {
  // JSON.stringify escapes lone surrogates (\udXXX) and control characters; '/' is escaped
  // too, so that the stand-in is one valid segment.
  const quoted = JSON.stringify(shown).replace(/\//g, '\\u002f');
  return {
    path: joinRelative(folder, quoted),
    type: 'other',
    size: 0,
    mtimeMs: 0,
    problem: `${what} ${quoted} cannot be transferred: it has ${reason}`,
  };
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
  return path.replace(/\0/g, '\\0').replace(LONE_SURROGATE_ALL, '\uFFFD').slice(0, 300);
}
