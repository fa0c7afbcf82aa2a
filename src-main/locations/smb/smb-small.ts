import { Readable } from 'node:stream';
import {
  Access,
  CreateOption,
  Disposition,
  InfoType,
  type CreateRequest,
  type OpenFile,
  type Smb2Share,
} from '../../protocols/smb2/smb2-files';
import {
  FileInfoClass,
  encodeDispositionInformation,
  encodeRenameInformation,
} from '../../protocols/smb2/smb2-info';
import { cancelledError } from '../abort';
import type { ReadOptions } from '../location';
import { renameOver } from './smb-io';
import { assertVersion } from './smb-read';

/*
 * Small files in few round trips (MS-SMB2 3.2.4.1.4 compound chains). A read is CREATE + READ
 * + CLOSE in one round trip, the snapshot checked on what CREATE and CLOSE answered. A write is
 * CREATE(temporary) + WRITE + SET_INFO(times) in one, then SET_INFO(rename) + CLOSE in a
 * second: the rename is never in the chain of the WRITE, because a server carries on with the
 * elements after a failed WRITE (Samba does), and a rename after it would give a final name
 * to a partial file.
 */

/** The largest file read or written whole in one chain (one READ or WRITE of it). */
export function smallFileLimit(share: Smb2Share): number {
  return Math.min(share.maxRead, share.maxWrite, 1024 * 1024);
}

/**
 * The bytes options.start..options.end of the file `full` read in one round trip, as a
 * stream, when its size is known beforehand (the planned version, options.expect, or
 * options.sizeHint) and that range is at most `smallFileLimit`; null otherwise, and when the
 * file turned out to hold more or fewer bytes in the range than were read (the caller reads it
 * the long way). Throws the client's errors (the first status that was not success), and
 * changed-during-transfer when the file is not the planned version at CREATE or at CLOSE.
 */
export async function readSmall(
  share: Smb2Share,
  full: string,
  request: CreateRequest,
  options: ReadOptions,
  where: string,
  signal: AbortSignal,
): Promise<Readable | null> {
  const expect = options.expect;
  const size = expect?.size ?? options.sizeHint;
  if (size === undefined) return null;
  const start = options.start ?? 0;
  const length = rangeLength(start, options.end, size);
  if (length > smallFileLimit(share)) return null;
  const { file, data, atClose } = await share.createReadClose(
    full,
    request,
    BigInt(start),
    length,
    signal,
  );
  assertVersion(expect, file, where, 'since it was listed');
  // A CLOSE that answered no attributes (impacket's): asked after it, which can only see more
  // changes, never fewer.
  const closed = atClose ?? (await share.attributesOf(full, signal));
  assertVersion(expect, closed, where, 'while it was being read');
  if (data.length !== rangeLength(start, options.end, Number(closed.endOfFile))) return null;
  return Readable.from([data], { objectMode: false });
}

/** How many bytes start..end (inclusive, end optional) of a file of `size` bytes hold. */
function rangeLength(start: number, end: number | undefined, size: number): number {
  return Math.max(0, Math.min(end ?? Number.MAX_SAFE_INTEGER, size - 1) - start + 1);
}

/** A write's temporary: created new, shared with nobody, with the access `extra` adds. */
export function temporaryRequest(extra: number): CreateRequest {
  return {
    access:
      Access.WRITE_DATA |
      Access.READ_ATTRIBUTES |
      Access.WRITE_ATTRIBUTES |
      Access.DELETE |
      Access.SYNCHRONIZE |
      extra,
    disposition: Disposition.CREATE,
    options: CreateOption.NON_DIRECTORY_FILE,
    shareAccess: 0,
  };
}

/**
 * Writes `data` (at most smallFileLimit bytes) to the new temporary `temp`, gives it its times
 * (`basic`, FileBasicInformation, when given), renames it over `target` and then gives it its
 * attributes (`attributes`, FileBasicInformation, when given: after the rename, which sets
 * the archive bit): two round trips. A rename another writer's open handle refuses is retried
 * as `renameOver` does. On any failure before the rename the temporary is deleted and the
 * first status the server answered is thrown (the client's errors, for the caller to map);
 * attributes refused after it are thrown as they came (the file is in place).
 */
export async function writeSmall(
  share: Smb2Share,
  temp: string,
  target: string,
  data: readonly Buffer[],
  basic: Buffer | null,
  attributes: Buffer | null,
  signal: AbortSignal,
): Promise<number> {
  const length = data.reduce((sum, piece) => sum + piece.length, 0);
  const times = basic
    ? [{ infoType: InfoType.FILE, infoClass: FileInfoClass.FileBasicInformation, data: basic }]
    : [];
  // Neither the request that creates the temporary nor the one that renames it is cancelled
  // half-way: the server carries out a request the client stopped waiting for, and a temporary
  // whose handle we never learned stays for good (a cancel left one per small file in flight).
  // The transport's time limit still applies; a cancel meanwhile discards the temporary.
  const { file, failure } = await share.createWriteSet(temp, temporaryRequest(0), data, times);
  if (failure || signal.aborted) {
    await discard(share, file);
    throw failure ?? cancelledError(share.where(target));
  }
  const setAttributes = attributes
    ? [{ infoType: InfoType.FILE, infoClass: FileInfoClass.FileBasicInformation, data: attributes }]
    : [];
  const renamed = await share.setInfosAndClose(file, [
    {
      infoType: InfoType.FILE,
      infoClass: FileInfoClass.FileRenameInformation,
      data: encodeRenameInformation(target, true),
    },
    ...setAttributes,
  ]);
  const [renameFailure, attributesFailure] = renamed.failures;
  if (!renameFailure) {
    if (attributesFailure) {
      // In place under its name: never deleted now; closed if the server kept it open.
      if (renamed.closeFailure) await share.close(file).catch(() => undefined);
      throw attributesFailure;
    }
    if (renamed.closeFailure) throw renamed.closeFailure;
    return length;
  }
  // The rename failed (a target another writer holds, a folder in the way...): as a streamed
  // write does, on the handle when the server kept it open, else on the temporary opened again.
  const handle = renamed.closeFailure
    ? file
    : await share.create(temp, {
        access: Access.DELETE | Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
        disposition: Disposition.OPEN,
        options: CreateOption.NON_DIRECTORY_FILE,
        shareAccess: 0,
      });
  try {
    await renameOver(share, handle, target);
  } catch (error) {
    await discard(share, handle);
    throw error;
  }
  try {
    if (attributes)
      await share.setInfo(handle, InfoType.FILE, FileInfoClass.FileBasicInformation, attributes, {
        signal,
      });
  } finally {
    await share.close(handle).catch(() => undefined);
  }
  return length;
}

/**
 * Deletes an open temporary through its handle and closes it, in one round trip, with a signal
 * of its own (the run's may be gone). Never throws: it cleans up after a failure being
 * reported.
 */
export async function discard(share: Smb2Share, file: OpenFile): Promise<void> {
  const deleted = await share
    .setInfoAndClose(
      file,
      {
        infoType: InfoType.FILE,
        infoClass: FileInfoClass.FileDispositionInformation,
        data: encodeDispositionInformation(true),
      },
      AbortSignal.timeout(10_000),
    )
    .catch(() => null);
  if (deleted?.closeFailure) await share.close(file, AbortSignal.timeout(10_000)).catch(() => 0);
}
