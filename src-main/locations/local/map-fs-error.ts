import { AppError, type ErrorCode } from '../../../src-shared/errors';

const CODE_BY_ERRNO: Record<string, ErrorCode> = {
  ENOENT: 'not-found',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  ENOTDIR: 'not-dir',
  EISDIR: 'is-dir',
  EEXIST: 'already-exists',
  ENOTEMPTY: 'dir-not-empty',
  ENOSPC: 'no-space',
  EDQUOT: 'quota-exceeded',
  ENAMETOOLONG: 'invalid-name',
  EINVAL: 'invalid-name',
  EROFS: 'permission-denied',
  ETIMEDOUT: 'timeout',
  EHOSTDOWN: 'unavailable',
  EIO: 'unavailable',
  ENOTSUP: 'not-supported',
  EOPNOTSUPP: 'not-supported',
  ABORT_ERR: 'cancelled',
};

const WHAT_BY_CODE: Partial<Record<ErrorCode, string>> = {
  'not-found': 'Not found',
  'permission-denied': 'Permission denied',
  'not-dir': 'Not a folder',
  'is-dir': 'Is a folder',
  'already-exists': 'Already exists',
  'dir-not-empty': 'Folder not empty',
  'no-space': 'No space left on the device',
  'quota-exceeded': 'Disk quota exceeded',
  'invalid-name': 'Invalid name',
  timeout: 'Timed out',
  unavailable: 'I/O error',
  'not-supported': 'Not supported by this file system',
  cancelled: 'Cancelled',
};

/** The errno of a Node fs error, or undefined for anything else. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Turns a Node fs error into an AppError with a shared code and a message that names the path,
 * e.g. "Permission denied: /srv/data". `action` says what was being done ("read folder").
 * An error that is already an AppError passes through unchanged.
 */
export function mapFsError(error: unknown, path: string, action?: string): AppError {
  if (error instanceof AppError) return error;
  const errno = errnoOf(error);
  const code: ErrorCode = (errno && CODE_BY_ERRNO[errno]) || 'unknown';
  const what = WHAT_BY_CODE[code] ?? (error instanceof Error ? error.message : 'Failed');
  const doing = action ? ` (${action})` : '';
  return new AppError(code, `${what}: ${path}${doing}`, errno ? { errno, path } : { path });
}
