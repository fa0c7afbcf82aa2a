/*
 * Relative location paths <-> S3 keys. The location's root is `prefix` (no leading or trailing
 * slash; '' is the bucket's root). A file is the object `prefix/path`; a folder is every key
 * under `prefix/path/`, and may also have a zero-byte marker object `prefix/path/` that carries
 * its metadata and keeps it alive while it is empty (as the S3 console and DataSync do).
 */
export class S3KeyMap {
  /** The root prefix with a trailing slash ('' for the bucket root). */
  readonly rootPrefix: string;

  constructor(prefix: string) {
    // A typed "a//b" means a/b: S3 would keep the empty segment, which no folder can be.
    const tidy = prefix
      .replace(/\\/g, '/')
      .replace(/\/{2,}/g, '/')
      .replace(/^\/|\/$/g, '');
    this.rootPrefix = tidy === '' ? '' : `${tidy}/`;
  }

  /** The object key of a file. `path` must be safe and non-empty. */
  objectKey(path: string): string {
    return this.rootPrefix + path;
  }

  /** The prefix every key inside a folder starts with ('' root: the root prefix). */
  folderPrefix(path: string): string {
    return path === '' ? this.rootPrefix : `${this.rootPrefix}${path}/`;
  }

  /** The folder's marker object; null for the bucket root, which needs none. */
  markerKey(path: string): string | null {
    const prefix = this.folderPrefix(path);
    return prefix === '' ? null : prefix;
  }
}

/**
 * Why a name taken from an object key cannot be a file or folder name anywhere (it would escape
 * the destination or could not be created), or null when it is fine. Keys such as `a/../../b`,
 * `/abs` (an empty first segment) or `a//b` produce such names. Never throws.
 */
export function unsafeKeyName(name: string): string | null {
  if (name === '') return 'an empty name (two slashes in a row, or a leading slash)';
  if (name === '.' || name === '..') return `a "${name}" segment, which would leave its folder`;
  if (name.includes('\0')) return 'a NUL byte';
  return null;
}

/**
 * A key (or common prefix) as a ListObjectsV2 page gave it: with EncodingType "url" in the
 * answer, S3 sent it percent-encoded with '+' for spaces (botocore's unquote_plus), which is the
 * only way a key holding a carriage return or a character XML 1.0 cannot carry comes through
 * (XML parsers turn CR into LF: the listed key would name another object). A server that ignores
 * the request sends keys as they are: `encoding` is then undefined and the key is returned
 * unchanged, as it is when its encoding is malformed. Never throws.
 */
export function decodeListedKey(value: string, encoding: string | undefined): string {
  if (encoding !== 'url') return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}
