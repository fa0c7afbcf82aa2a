import { AppError } from '../../src-shared/errors';

/**
 * DataSync's SIMPLE_PATTERN filters. Patterns are joined with `|` and are relative to the
 * location root; `*` matches any run of characters (slashes included); a pattern matches an
 * entry and, when it names a folder, everything inside it (`/dir` and `/dir/` alike). Patterns
 * are case-sensitive. Excludes win over includes; with no includes, everything is included.
 */
export interface PathFilter {
  /** Whether an entry is transferred. `path` is relative ('a/b.txt'). */
  accepts(path: string): boolean;
  /** Whether a folder must be walked because something inside it may be accepted. */
  mayContainAccepted(path: string): boolean;
  readonly active: boolean;
}

interface CompiledPattern {
  source: string;
  regex: RegExp;
  /** The part before the first `*`: folders outside it cannot contain matches. */
  literalPrefix: string;
}

/** Splits `a|b|c`, trims, drops empties. */
export function splitPatterns(patterns: string): string[] {
  return patterns
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function compile(pattern: string): CompiledPattern {
  if (pattern.includes('\0'))
    throw new AppError('invalid-input', 'A filter pattern cannot contain NUL');
  const anchored = pattern.startsWith('/') || pattern.startsWith('*') ? pattern : `/${pattern}`;
  const trimmed = anchored.length > 1 && anchored.endsWith('/') ? anchored.slice(0, -1) : anchored;
  const body = trimmed
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  // The pattern names the entry itself or a folder that contains it.
  const regex = new RegExp(`^${body}(?:/.*)?$`, 'u');
  const star = trimmed.indexOf('*');
  return { source: pattern, regex, literalPrefix: star === -1 ? trimmed : trimmed.slice(0, star) };
}

/**
 * Compiles include and exclude pattern strings. Throws AppError('invalid-input') for a pattern
 * that cannot be a filter (NUL byte).
 */
export function compileFilter(includes: string, excludes: string): PathFilter {
  const inc = splitPatterns(includes).map(compile);
  const exc = splitPatterns(excludes).map(compile);
  const matchesAny = (list: CompiledPattern[], rooted: string): boolean =>
    list.some((p) => p.regex.test(rooted));
  return {
    active: inc.length > 0 || exc.length > 0,
    accepts(path) {
      const rooted = `/${path}`;
      if (matchesAny(exc, rooted)) return false;
      return inc.length === 0 || matchesAny(inc, rooted);
    },
    mayContainAccepted(path) {
      const rooted = `/${path}`;
      if (matchesAny(exc, rooted)) return false;
      if (inc.length === 0 || matchesAny(inc, rooted)) return true;
      const folder = `${rooted}/`;
      return inc.some(
        (p) => p.literalPrefix.startsWith(folder) || folder.startsWith(p.literalPrefix),
      );
    },
  };
}
