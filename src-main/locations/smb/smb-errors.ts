import { AppError, type ErrorCode } from '../../../src-shared/errors';
import { NtlmError } from '../../protocols/smb2/ntlm';
import { SmbCryptoError } from '../../protocols/smb2/smb2-crypto';
import { Smb2FormatError } from '../../protocols/smb2/smb2-header';
import { Smb2AuthError } from '../../protocols/smb2/smb2-session';
import { Smb2StatusError } from '../../protocols/smb2/smb2-status';
import { Smb2ConnectionError } from '../../protocols/smb2/smb2-transport';
import { SpnegoError } from '../../protocols/smb2/spnego';
import { isAbortError } from '../abort';

/*
 * What the SMB2 client throws, and what it becomes: every message names the share and path
 * ("SMB //nas/share/dir/a.txt") and keeps the NT status's name in the details.
 */

const BY_STATUS: Record<string, [ErrorCode, string]> = {
  STATUS_LOGON_FAILURE: ['auth-failed', 'Wrong user name or password'],
  STATUS_ACCOUNT_DISABLED: ['auth-failed', 'The account is disabled'],
  STATUS_ACCOUNT_LOCKED_OUT: ['auth-failed', 'The account is locked out'],
  STATUS_PASSWORD_EXPIRED: ['auth-failed', 'The password has expired'],
  STATUS_ACCOUNT_RESTRICTION: ['auth-failed', 'The account may not log on now'],
  STATUS_BAD_NETWORK_NAME: ['not-found', 'Share not found'],
  STATUS_OBJECT_NAME_NOT_FOUND: ['not-found', 'Not found'],
  STATUS_OBJECT_PATH_NOT_FOUND: ['not-found', 'Not found'],
  STATUS_NO_SUCH_FILE: ['not-found', 'Not found'],
  STATUS_DELETE_PENDING: ['not-found', 'Being deleted'],
  STATUS_ACCESS_DENIED: ['permission-denied', 'Permission denied'],
  STATUS_NETWORK_ACCESS_DENIED: ['permission-denied', 'Permission denied'],
  STATUS_PRIVILEGE_NOT_HELD: [
    'permission-denied',
    'Permission denied: the user lacks a privilege this needs (a SACL needs "manage auditing")',
  ],
  STATUS_INVALID_OWNER: [
    'permission-denied',
    'The server will not give this owner (copying owners needs the restore privilege, as Backup Operators have)',
  ],
  STATUS_CANNOT_DELETE: ['permission-denied', 'Cannot be deleted'],
  STATUS_DISK_FULL: ['no-space', 'The share is full'],
  STATUS_QUOTA_EXCEEDED: ['quota-exceeded', 'Quota exceeded on the share'],
  STATUS_OBJECT_NAME_COLLISION: ['already-exists', 'Already exists'],
  STATUS_FILE_IS_A_DIRECTORY: ['is-dir', 'Is a folder'],
  STATUS_NOT_A_DIRECTORY: ['not-dir', 'Not a folder'],
  STATUS_DIRECTORY_NOT_EMPTY: ['dir-not-empty', 'Folder not empty'],
  STATUS_OBJECT_NAME_INVALID: ['invalid-name', 'Invalid name on the server'],
  STATUS_OBJECT_PATH_SYNTAX_BAD: ['invalid-name', 'Invalid path on the server'],
  STATUS_NAME_TOO_LONG: ['invalid-name', 'Name too long for the server'],
  STATUS_NOT_SUPPORTED: ['not-supported', 'Not supported by the server'],
  STATUS_INVALID_DEVICE_REQUEST: ['not-supported', 'Not supported by the server'],
  // Another program has the file open without sharing: worth another try later.
  STATUS_SHARING_VIOLATION: ['unavailable', 'In use by another program'],
  STATUS_INSUFFICIENT_RESOURCES: ['unavailable', 'The server is short of resources'],
  STATUS_NETWORK_NAME_DELETED: ['unavailable', 'The share went away'],
  STATUS_USER_SESSION_DELETED: ['unavailable', 'The server ended the session'],
  STATUS_NETWORK_SESSION_EXPIRED: ['unavailable', 'The session expired'],
  STATUS_IO_TIMEOUT: ['timeout', 'The server timed out'],
};

/**
 * An AppError for whatever the SMB client threw while doing `action` on `where`. AppErrors
 * pass through; an abort becomes cancelled. Never throws.
 */
export function mapSmbError(error: unknown, where: string, action: string): AppError {
  if (error instanceof AppError) return error;
  if (isAbortError(error)) return new AppError('cancelled', `Cancelled: ${action} ${where}`);
  const details: Record<string, unknown> = { path: where };
  if (error instanceof Smb2AuthError) {
    const status = (error as Smb2AuthError & { statusName?: string }).statusName;
    return new AppError('auth-failed', `${error.message} (${where})`, { ...details, status });
  }
  if (error instanceof Smb2StatusError) {
    const [code, text] = BY_STATUS[error.statusName] ?? ['unknown', 'The server refused'];
    return new AppError(code, `${text}: ${where} (${action}: ${error.statusName})`, {
      ...details,
      status: error.statusName,
    });
  }
  if (error instanceof Smb2ConnectionError) {
    if (error.reason === 'cancelled')
      return new AppError('cancelled', `Cancelled: ${action} ${where}`);
    const code: ErrorCode = error.reason === 'timeout' ? 'timeout' : 'unavailable';
    return new AppError(code, `${error.message} (${action} ${where})`, details);
  }
  if (
    error instanceof Smb2FormatError ||
    error instanceof SmbCryptoError ||
    error instanceof NtlmError ||
    error instanceof SpnegoError
  ) {
    return new AppError(
      'unknown',
      `Malformed answer from the SMB server: ${error.message} (${where})`,
      details,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('unknown', `${action} ${where}: ${message}`, details);
}
