import { AppError } from '../../../src-shared/errors';
import {
  Access,
  CreateOption,
  Disposition,
  ShareAccess,
  type OpenFile,
  type Smb2Share,
} from '../../protocols/smb2/smb2-files';
import { filetimeToMs } from '../../protocols/smb2/smb2-info';
import {
  COPYCHUNK_DEFAULT_LIMITS,
  copyChunks,
  requestResumeKey,
  type CopyChunkLimits,
} from '../../protocols/smb2/smb2-ioctl';
import { Smb2StatusError, Status } from '../../protocols/smb2/smb2-status';
import { mapSmbError } from './smb-errors';
import { assertVersion } from './smb-read';

/*
 * Server-side copy between two folders of one SMB share (FSCTL_SRV_COPYCHUNK_WRITE): the
 * server copies the bytes from the source file into the destination's temporary, and only a
 * few hundred bytes of requests and answers cross the network. The source is opened on the
 * destination's session because a resume key names an open of the session that asked for it.
 */

/** COPYCHUNK requests in flight at once, each up to the server's limits (16 MiB). */
const IN_FLIGHT = 4;

/** Where an SMB location lives, as far as sharing a session goes. */
export interface SmbEndpoint {
  host: string;
  port?: number;
  share: string;
  credentials: { domain: string; user: string };
}

/**
 * One session can hold handles on files of both: same server and port, same share, same user
 * and domain. Names are compared without regard to case, as Windows does.
 */
export function sameSmbSession(a: SmbEndpoint, b: SmbEndpoint): boolean {
  const same = (x: string, y: string): boolean => x.toLowerCase() === y.toLowerCase();
  return (
    same(a.host, b.host) &&
    (a.port ?? 445) === (b.port ?? 445) &&
    same(a.share, b.share) &&
    same(a.credentials.user, b.credentials.user) &&
    same(a.credentials.domain, b.credentials.domain)
  );
}

export interface ServerCopySource {
  /** The source's path inside the share, with backslashes. */
  path: string;
  /** "SMB //server/share/folder/path", for messages. */
  where: string;
  /** The size the caller planned (WriteOptions.size), checked when the source is opened. */
  size?: number;
}

/** Thrown inside the temporary's filling when the server cannot copy: the temporary goes. */
class NoServerCopy extends Error {}

/**
 * Copies `source` into a temporary of the destination with the server's copy-chunk, while
 * `alongside` runs (the engine hashes the source meanwhile). `intoTemporary` is the
 * destination's write minus the bytes: it creates the temporary, calls `fill` with its handle,
 * then sets times and security and renames it over the final name, deleting it on any failure.
 * Resolves with the bytes copied, or null when the server has no server-side copy (NOT_SUPPORTED
 * or INVALID_DEVICE_REQUEST to the resume key or the first copy; nothing is left behind).
 * Throws AppError for the source (not-found, permission-denied..., and changed-during-transfer
 * when it is not the planned size or changes while copied); what `alongside` throws; and the
 * SMB client's errors of the destination's side, for the caller to map.
 */
export async function copyOnServer(
  share: Smb2Share,
  source: ServerCopySource,
  alongside: () => Promise<void>,
  signal: AbortSignal,
  intoTemporary: (fill: (file: OpenFile) => Promise<number>) => Promise<number>,
): Promise<number | null> {
  const from = await share
    .create(
      source.path,
      {
        access: Access.READ_DATA | Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: CreateOption.NON_DIRECTORY_FILE,
        shareAccess: ShareAccess.ALL,
      },
      signal,
    )
    .catch((error: unknown) => {
      throw mapSmbError(error, source.where, 'open file');
    });
  let open = true;
  try {
    let key: Buffer;
    try {
      key = await requestResumeKey(share, from, signal);
    } catch (error) {
      if (unsupported(error)) return null;
      throw mapSmbError(error, source.where, 'read file');
    }
    const size = Number(from.endOfFile);
    // The planned size only: WriteOptions carries no planned mtime (metadata.mtimeMs is what
    // to set), and the engine's `alongside` checks the planned version itself.
    if (source.size !== undefined) {
      assertVersion(
        { size: source.size, mtimeMs: filetimeToMs(from.lastWriteTime) },
        from,
        source.where,
        'since it was listed',
      );
    }
    return await intoTemporary(async (file) => {
      const [copy, check] = await Promise.allSettled([
        copyRange(share, file, key, size, signal),
        // A callback that throws at once must not leave the copy running loose.
        Promise.resolve().then(alongside),
      ]);
      if (copy.status === 'rejected') {
        throw unsupported(copy.reason) ? new NoServerCopy() : copy.reason;
      }
      if (check.status === 'rejected') throw check.reason;
      // Its size and last write time at the close are those of the open: the server copied one
      // version of it (a write meanwhile moves the time).
      open = false;
      const after = await share
        .closeAndStat(from, signal)
        // A CLOSE that answered no attributes (impacket's): asked after it.
        .then((attributes) => attributes ?? share.attributesOf(source.path, signal))
        .catch((error: unknown) => {
          throw mapSmbError(error, source.where, 'read file');
        });
      assertVersion(
        { size, mtimeMs: filetimeToMs(from.lastWriteTime) },
        after,
        source.where,
        'while it was being copied',
      );
      return copy.value;
    });
  } catch (error) {
    if (error instanceof NoServerCopy) return null;
    throw error;
  } finally {
    if (open) await share.close(from, AbortSignal.timeout(10_000)).catch(() => undefined);
  }
}

/** The server has no server-side copy (or not for this share's file system). */
function unsupported(error: unknown): boolean {
  return (
    error instanceof Smb2StatusError &&
    (error.status === Status.NOT_SUPPORTED || error.status === Status.INVALID_DEVICE_REQUEST)
  );
}

/**
 * The bytes 0..size of the source into `file` at the same offsets, IN_FLIGHT requests at once
 * of up to the server's limits (learnt from its answer when they are smaller than Windows').
 * After a failure no request starts, and the error is thrown once all in flight have been
 * answered, so the temporary is deleted once the server is done with it (an abort does not
 * wait: the transport sends CANCEL, and the server finishes what it started before the CLOSE).
 */
async function copyRange(
  share: Smb2Share,
  file: OpenFile,
  key: Buffer,
  size: number,
  signal: AbortSignal,
): Promise<number> {
  let limits: CopyChunkLimits = COPYCHUNK_DEFAULT_LIMITS;
  let next = 0;
  let copied = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (next < size && failure === null) {
      const offset = next;
      const length = Math.min(limits.maxTotal, size - offset);
      next += length;
      try {
        const done = await copyChunks(
          share,
          file,
          key,
          [{ sourceOffset: offset, targetOffset: offset, length }],
          signal,
          limits,
        );
        limits = done.limits;
        copied += done.bytesWritten;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
  if (copied !== size) {
    throw new AppError('unknown', `Server-side copy: ${copied} bytes copied of ${size}`);
  }
  return copied;
}
