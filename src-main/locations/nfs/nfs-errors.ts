import { AppError, type ErrorCode } from '../../../src-shared/errors';
import { MountError } from '../../protocols/nfs3/mount3';
import { Nfs3Error } from '../../protocols/nfs3/nfs3-types';
import { NotRegisteredError } from '../../protocols/nfs3/portmap';
import { RpcConnectionError } from '../../protocols/nfs3/rpc-client';
import { RpcError } from '../../protocols/nfs3/rpc-message';
import { XdrError } from '../../protocols/nfs3/xdr';
import { isAbortError } from '../abort';
import { ExportNotFoundError } from './nfs-connection';

/*
 * What the NFSv3 client throws, and what it becomes: every message names the server and the
 * path ("NFS 10.0.0.5:/export/data/a.txt") and keeps the protocol's status in the details.
 */

const NFS_STATUS: Record<string, [ErrorCode, string]> = {
  NFS3ERR_NOENT: ['not-found', 'Not found'],
  NFS3ERR_PERM: ['permission-denied', 'Permission denied (not the owner)'],
  NFS3ERR_ACCES: ['permission-denied', 'Permission denied'],
  NFS3ERR_ROFS: ['permission-denied', 'The export is read-only'],
  NFS3ERR_EXIST: ['already-exists', 'Already exists'],
  NFS3ERR_NOTDIR: ['not-dir', 'Not a folder'],
  NFS3ERR_ISDIR: ['is-dir', 'Is a folder'],
  NFS3ERR_NOTEMPTY: ['dir-not-empty', 'Folder not empty'],
  NFS3ERR_NOSPC: ['no-space', 'No space left on the server'],
  NFS3ERR_DQUOT: ['quota-exceeded', 'Disk quota exceeded on the server'],
  NFS3ERR_FBIG: ['no-space', 'File too large for the server'],
  NFS3ERR_NAMETOOLONG: ['invalid-name', 'Name too long for the server'],
  NFS3ERR_INVAL: ['invalid-input', 'The server refused the request as invalid'],
  NFS3ERR_NOTSUPP: ['not-supported', 'Not supported by the server'],
  NFS3ERR_BADTYPE: ['not-supported', 'Not a regular file'],
  NFS3ERR_XDEV: ['not-supported', 'Crosses file systems on the server'],
  NFS3ERR_MLINK: ['not-supported', 'Too many links'],
  // The server lost track of the object (it restarted, or the file was replaced): retried.
  NFS3ERR_STALE: ['unavailable', 'Stale file handle'],
  NFS3ERR_BADHANDLE: ['unavailable', 'The server no longer knows this file handle'],
  NFS3ERR_JUKEBOX: ['unavailable', 'The server is busy bringing the file back (try later)'],
  NFS3ERR_SERVERFAULT: ['unavailable', 'Server fault'],
  NFS3ERR_IO: ['unavailable', 'I/O error on the server'],
};

const MOUNT_STATUS: Record<string, [ErrorCode, string]> = {
  MNT3ERR_NOENT: ['not-found', 'Export not found'],
  MNT3ERR_ACCES: ['permission-denied', 'The server does not export this to this machine'],
  MNT3ERR_PERM: ['permission-denied', 'The server refuses to mount this for this user'],
  MNT3ERR_NOTDIR: ['not-dir', 'Not a folder'],
  MNT3ERR_NAMETOOLONG: ['invalid-name', 'Export path too long'],
};

/**
 * An AppError for whatever the NFS client threw while doing `action` on `where` (a description
 * of the location and path). AppErrors pass through; an abort becomes cancelled. Never throws.
 */
export function mapNfsError(error: unknown, where: string, action: string): AppError {
  if (error instanceof AppError) return error;
  if (isAbortError(error)) return new AppError('cancelled', `Cancelled: ${action} ${where}`);
  const details = { path: where };
  if (error instanceof Nfs3Error) {
    const [code, text] = NFS_STATUS[error.status] ?? ['unknown', 'The server answered an error'];
    return new AppError(code, `${text}: ${where} (${action}: ${error.status})`, {
      ...details,
      status: error.status,
    });
  }
  if (error instanceof MountError) {
    const [code, text] = MOUNT_STATUS[error.status] ?? ['unknown', 'The server refused the mount'];
    return new AppError(code, `${text}: ${where} (${error.status})`, {
      ...details,
      status: error.status,
    });
  }
  if (error instanceof RpcConnectionError) {
    switch (error.reason) {
      case 'cancelled':
        return new AppError('cancelled', `Cancelled: ${action} ${where}`);
      case 'timeout':
        return new AppError('timeout', `${error.message} (${action} ${where})`, details);
      default:
        return new AppError('unavailable', `${error.message} (${action} ${where})`, details);
    }
  }
  if (error instanceof RpcError) {
    if (error.status.startsWith('AUTH_')) {
      return new AppError(
        'auth-failed',
        `The NFS server refused our credentials (${error.status}; AUTH_SYS with the location's uid and gid): ${where}`,
        { ...details, status: error.status },
      );
    }
    const code: ErrorCode =
      error.status === 'PROG_UNAVAIL' || error.status === 'PROG_MISMATCH'
        ? 'not-supported'
        : 'unknown';
    return new AppError(
      code,
      `${error.message}: the server does not speak NFSv3 on this port? (${where})`,
      { ...details, status: error.status },
    );
  }
  if (error instanceof ExportNotFoundError) {
    const others = error.exports.length > 0 ? error.exports.join(', ') : 'nothing';
    return new AppError('not-found', `Export not found: ${where} (the server exports ${others})`, {
      ...details,
      exports: error.exports,
    });
  }
  if (error instanceof NotRegisteredError) {
    return new AppError('not-supported', `${error.message} (${where})`, details);
  }
  if (error instanceof XdrError) {
    return new AppError(
      'unknown',
      `Malformed reply from the NFS server: ${error.message} (${where})`,
      details,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('unknown', `${action} ${where}: ${message}`, details);
}
