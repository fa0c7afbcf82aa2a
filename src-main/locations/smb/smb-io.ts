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
import type { EntryInfo, MetadataUpdate } from '../location';

/* The SMB location's data path and conversions, kept apart so the class reads as the contract. */

/**
 * Bytes of WRITEs in flight per file: WRITEs of the server's maximum (Samba: 8 MiB), as many
 * as fit, at least 2 so that the server always has the next one when it finishes one.
 */
export const IN_FLIGHT_BYTES = 16 * 1024 * 1024;

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

/** Writes a stream with several WRITEs in flight; resolves with the bytes written. */
export async function writeStream(
  share: Smb2Share,
  file: OpenFile,
  data: AsyncIterable<Buffer>,
  signal: AbortSignal,
): Promise<number> {
  const chunk = share.maxWrite;
  const most = inFlight(chunk);
  const running = new Set<Promise<void>>();
  let failure: unknown = null;
  let offset = 0;
  const pieces: Buffer[] = [];
  let gathered = 0;
  const send = async (parts: Buffer[]): Promise<void> => {
    while (running.size >= most) await Promise.race(running);
    if (failure !== null) throw failure;
    const at = offset;
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    offset += length;
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

export function basicInformation(metadata: MetadataUpdate | undefined): Buffer | null {
  if (!metadata || (metadata.mtimeMs === undefined && metadata.atimeMs === undefined)) return null;
  return encodeBasicInformation({
    lastWriteTime: metadata.mtimeMs === undefined ? undefined : msToFiletime(metadata.mtimeMs),
    lastAccessTime: metadata.atimeMs === undefined ? undefined : msToFiletime(metadata.atimeMs),
  });
}

export function toEntry(
  path: string,
  info: { attributes: number; endOfFile: bigint; lastWriteTime: bigint; lastAccessTime: bigint },
): EntryInfo {
  const dir = (info.attributes & FileAttribute.DIRECTORY) !== 0;
  const reparse = (info.attributes & FileAttribute.REPARSE_POINT) !== 0;
  const type = reparse && !dir ? 'other' : dir ? 'dir' : 'file';
  return {
    path,
    type,
    size: type === 'file' ? Number(info.endOfFile) : 0,
    mtimeMs: filetimeToMs(info.lastWriteTime),
    atimeMs: filetimeToMs(info.lastAccessTime),
  };
}
