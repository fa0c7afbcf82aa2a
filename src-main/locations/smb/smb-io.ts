import type { Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';
import { InfoType, type OpenFile, type Smb2Share } from '../../protocols/smb2/smb2-files';
import {
  FileAttribute,
  FileInfoClass,
  encodeBasicInformation,
  encodeRenameInformation,
  filetimeToMs,
  msToFiletime,
} from '../../protocols/smb2/smb2-info';
import { isAllZero } from '../holes';
import type { EntryInfo, MetadataUpdate } from '../location';

/* The SMB location's data path and conversions, kept apart so the class reads as the contract. */

/**
 * Bytes of READs or WRITEs in flight per file, in pieces of at most READ_PIECE / WRITE_PIECE
 * (or the server's maximum when it is smaller).
 */
export const IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/**
 * Not the server's maximum (Samba offers 8 MiB): with 16 MiB in flight, 8 MiB pieces leave two
 * requests outstanding, and each must arrive whole (and its signature be checked) before any of
 * it is used, so the pipe drains between them. 1 GiB against Samba, signed, --verify none,
 * 2026-12-07: down in 5.6-5.9 s with 8 MiB READs, 3.2-3.7 s with 2 MiB; up in 4.0-4.8 s with
 * 8 MiB WRITEs, 2.6-3.0 s with 1 MiB (16 in flight) and the same CPU.
 */
export const READ_PIECE = 2 * 1024 * 1024;
export const WRITE_PIECE = 1024 * 1024;

/** How many requests of `chunk` bytes to keep in flight. */
export function inFlight(chunk: number): number {
  return Math.max(2, Math.floor(IN_FLIGHT_BYTES / chunk));
}

/**
 * Renames the open temporary over `target`. A target another writer still holds open cannot be
 * replaced (Windows semantics: ACCESS_DENIED or SHARING_VIOLATION) until it closes it, which is
 * a moment away when two writes race: tried again for up to a second. Writes call it without a
 * signal: a rename the client stopped waiting for may still happen, and the write must know
 * whether the handle it holds is still its temporary (the transport's time limit applies).
 */
export async function renameOver(
  share: Smb2Share,
  file: OpenFile,
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  const info = encodeRenameInformation(target, true);
  for (let attempt = 0; ; attempt++) {
    try {
      return await share.setInfo(file, InfoType.FILE, FileInfoClass.FileRenameInformation, info, {
        signal,
      });
    } catch (error) {
      const name = (error as { statusName?: string }).statusName;
      const busy = name === 'STATUS_ACCESS_DENIED' || name === 'STATUS_SHARING_VIOLATION';
      if (!busy || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * The chunks of a stream as it produced them. read() and a Readable's own async iterator join
 * whatever is buffered into one new buffer (a copy of every byte of a large file); 'data'
 * events hand each chunk out as it is. A few chunks are queued, then the stream is paused until
 * they are taken. Throws what the stream fails with.
 */
export async function* chunksOf(data: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const onData = (chunk: Buffer): void => {
    queue.push(chunk);
    if (queue.length >= 16) data.pause();
    wake?.();
  };
  const onEnd = (): void => void ((ended = true), wake?.());
  const onError = (error: Error): void => void ((failure = error), wake?.());
  data.on('data', onData).once('end', onEnd).once('error', onError);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        if (queue.length < 4 && data.isPaused()) data.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      if (data.errored) throw data.errored;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    data.off('data', onData).off('end', onEnd).off('error', onError);
  }
}

/**
 * The first chunks of `chunks` until they hold more than `limit` bytes or it ends (`ended`).
 * Throws what the stream fails with.
 */
export async function gather(
  chunks: AsyncIterator<Buffer>,
  limit: number,
): Promise<{ pieces: Buffer[]; length: number; ended: boolean }> {
  const pieces: Buffer[] = [];
  let length = 0;
  while (length <= limit) {
    const next = await chunks.next();
    if (next.done) return { pieces, length, ended: true };
    if (next.value.length === 0) continue;
    pieces.push(next.value);
    length += next.value.length;
  }
  return { pieces, length, ended: false };
}

/** `first`, then what is left of `rest`. */
export async function* followedBy(
  first: Buffer[],
  rest: AsyncIterator<Buffer>,
): AsyncGenerator<Buffer> {
  yield* first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Writes a stream with several WRITEs in flight; resolves with the bytes written. With `holes`,
 * the stream's pieces of zeros only are not written (smb-sparse.ts: the caller sets the size
 * at the end).
 */
export async function writeStream(
  share: Smb2Share,
  file: OpenFile,
  data: AsyncIterable<Buffer>,
  signal: AbortSignal,
  holes = false,
): Promise<number> {
  const chunk = Math.min(share.maxWrite, WRITE_PIECE);
  const most = inFlight(chunk);
  const running = new Set<Promise<void>>();
  let failure: unknown = null;
  let offset = 0;
  const pieces: Buffer[] = [];
  let gathered = 0;
  const send = async (parts: Buffer[]): Promise<void> => {
    if (!holes) {
      const at = offset;
      offset += parts.reduce((sum, part) => sum + part.length, 0);
      return sendAt(at, parts);
    }
    // The stream's pieces of zeros only are left out: each run of other pieces is one WRITE.
    let run: Buffer[] = [];
    let at = offset;
    for (const part of parts) {
      if (isAllZero(part)) {
        if (run.length > 0) await sendAt(at, run);
        run = [];
        offset += part.length;
        at = offset;
      } else {
        run.push(part);
        offset += part.length;
      }
    }
    if (run.length > 0) await sendAt(at, run);
  };
  const sendAt = async (at: number, parts: Buffer[]): Promise<void> => {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    while (running.size >= most) await Promise.race(running);
    if (failure !== null) throw failure;
    const task = (async () => {
      let done = await share.write(file, BigInt(at), parts, signal);
      // A server may take less than asked (rare): the rest goes again, joined this once.
      const whole = done < length ? Buffer.concat(parts, length) : null;
      while (whole && done < length) {
        const n = await share.write(file, BigInt(at + done), whole.subarray(done), signal);
        if (n === 0) throw new AppError('unknown', 'The server took no bytes of a WRITE');
        done += n;
      }
    })().catch((error: unknown) => void (failure ??= error));
    const tracked = task.finally(() => running.delete(tracked));
    running.add(tracked);
  };
  // The next `bytes` of what was gathered, as the stream's own pieces (split where one
  // straddles the boundary): WRITE sends pieces as they are, so nothing is copied to join them.
  const take = (bytes: number): Buffer[] => {
    const out: Buffer[] = [];
    let need = bytes;
    while (need > 0) {
      const piece = pieces.shift() as Buffer;
      if (piece.length > need) {
        out.push(piece.subarray(0, need));
        pieces.unshift(piece.subarray(need));
        need = 0;
      } else {
        out.push(piece);
        need -= piece.length;
      }
    }
    gathered -= bytes;
    return out;
  };
  try {
    for await (const piece of data) {
      if (piece.length === 0) continue;
      pieces.push(piece);
      gathered += piece.length;
      while (gathered >= chunk) await send(take(chunk));
    }
    if (gathered > 0) await send(take(gathered));
  } finally {
    await Promise.allSettled(running);
  }
  if (failure !== null) throw failure;
  return offset;
}

/**
 * The standard attributes DataSync copies SMB to SMB (MS-FSCC 2.6): read-only, hidden,
 * system, archive, temporary, sparse, compressed, offline, not content indexed, encrypted.
 */
export const STANDARD_ATTRIBUTES =
  FileAttribute.READONLY |
  FileAttribute.HIDDEN |
  FileAttribute.SYSTEM |
  FileAttribute.ARCHIVE |
  FileAttribute.TEMPORARY |
  FileAttribute.SPARSE_FILE |
  FileAttribute.COMPRESSED |
  FileAttribute.OFFLINE |
  FileAttribute.NOT_CONTENT_INDEXED |
  FileAttribute.ENCRYPTED;

/**
 * Those SET_INFO(FileBasicInformation) sets (MS-FSA 2.1.5.14.2). Sparse, compressed and
 * encrypted are states of the data, changed only by their own requests (FSCTL_SET_SPARSE,
 * FSCTL_SET_COMPRESSION, EFS), and a server ignores them here; a folder cannot be temporary
 * (STATUS_INVALID_PARAMETER).
 */
const SETTABLE_ATTRIBUTES =
  FileAttribute.READONLY |
  FileAttribute.HIDDEN |
  FileAttribute.SYSTEM |
  FileAttribute.ARCHIVE |
  FileAttribute.TEMPORARY |
  FileAttribute.OFFLINE |
  FileAttribute.NOT_CONTENT_INDEXED;

/**
 * FileBasicInformation for `metadata`'s times (the creation time too) and attributes, for a
 * file or (`folder`) a folder, or only its times or only its attributes (`parts`); null when
 * it sets nothing. Attributes that leave none set are sent as NORMAL (DIRECTORY for a
 * folder): 0 would mean "leave them", and the copy would keep an archive bit the source does
 * not have. A write sets the attributes after its rename: Samba sets the archive bit on a
 * rename, and shows a name that starts with a dot (a temporary's) as hidden.
 */
export function basicInformation(
  metadata: MetadataUpdate | undefined,
  {
    folder = false,
    parts = 'both',
  }: { folder?: boolean; parts?: 'times' | 'attributes' | 'both' } = {},
): Buffer | null {
  if (!metadata) return null;
  const times = parts !== 'attributes';
  const mtimeMs = times ? metadata.mtimeMs : undefined;
  const atimeMs = times ? metadata.atimeMs : undefined;
  const creationTimeMs = times ? metadata.creationTimeMs : undefined;
  const windowsAttributes = parts !== 'times' ? metadata.windowsAttributes : undefined;
  if (
    mtimeMs === undefined &&
    atimeMs === undefined &&
    creationTimeMs === undefined &&
    windowsAttributes === undefined
  )
    return null;
  const settable = SETTABLE_ATTRIBUTES & ~(folder ? FileAttribute.TEMPORARY : 0);
  const kept = (windowsAttributes ?? 0) & settable;
  const none = folder ? FileAttribute.DIRECTORY : FileAttribute.NORMAL;
  const attributes = windowsAttributes === undefined ? undefined : kept !== 0 ? kept : none;
  return encodeBasicInformation({
    creationTime: creationTimeMs === undefined ? undefined : msToFiletime(creationTimeMs),
    lastWriteTime: mtimeMs === undefined ? undefined : msToFiletime(mtimeMs),
    lastAccessTime: atimeMs === undefined ? undefined : msToFiletime(atimeMs),
    attributes,
  });
}

export function toEntry(
  path: string,
  info: {
    attributes: number;
    endOfFile: bigint;
    lastWriteTime: bigint;
    lastAccessTime: bigint;
    creationTime: bigint;
    allocationSize?: bigint;
  },
): EntryInfo {
  const dir = (info.attributes & FileAttribute.DIRECTORY) !== 0;
  const reparse = (info.attributes & FileAttribute.REPARSE_POINT) !== 0;
  const type = reparse && !dir ? 'other' : dir ? 'dir' : 'file';
  const entry: EntryInfo = {
    path,
    type,
    size: type === 'file' ? Number(info.endOfFile) : 0,
    mtimeMs: filetimeToMs(info.lastWriteTime),
    atimeMs: filetimeToMs(info.lastAccessTime),
    // A server that knows no creation time answers 0 (impacket for some): none then.
    ...(info.creationTime > 0n && { creationTimeMs: filetimeToMs(info.creationTime) }),
    windowsAttributes: info.attributes & STANDARD_ATTRIBUTES,
  };
  // A listing's AllocationSize below the size: the file has holes (sparse-write it).
  const allocated = info.allocationSize;
  if (type === 'file' && allocated !== undefined && allocated < info.endOfFile) {
    entry.allocatedBytes = Number(allocated);
  }
  return entry;
}
