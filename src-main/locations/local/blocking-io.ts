import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';
import { cancelledError } from '../abort';
import type { MetadataUpdate, ReadWholeOptions } from '../location';
import { errnoOf, mapFsError } from './map-fs-error';
import { writeSparseBlocking } from './sparse-write';
import { assertReadAsPlanned } from './whole-file-async';

/*
 * Blocking file I/O for a LocalLocation that lives in a transfer worker thread. There, blocking
 * the thread is the point of having it: each async fs call would hop through libuv's small
 * shared thread pool and back (futex and epoll wake-ups per call), which costs more than the
 * syscall itself on small files. The main thread never uses this.
 */

// 256 KiB: fresh buffers of 1 MiB cost page faults each (measured: 512 MiB hashed in 208 ms with 1 MiB
// chunks, 140 ms with 256 KiB ones).
const CHUNK = 256 * 1024;
const IS_WINDOWS = process.platform === 'win32';
// Asked once: the owner a new file gets, to skip fchown calls that would change nothing.
const EUID = process.geteuid?.() ?? -1;
const EGID = process.getegid?.() ?? -1;
// The mode a new file gets (0o666 less the umask), to skip fchmod calls that would change nothing.
const CREATED_MODE = IS_WINDOWS ? -1 : 0o666 & ~process.umask();

/**
 * Opens a regular file and returns a stream of its bytes `start`..`end` (inclusive, clamped to
 * the size at open). Throws synchronously: the raw fs error, or AppError is-dir / not-supported.
 * Errors while reading reach the stream as AppErrors; destroying the stream closes the file.
 */
export function openBlockingReadStream(
  abs: string,
  start: number,
  end: number,
  signal: AbortSignal,
): Readable {
  const fd = openSync(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  let size: number;
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw new AppError('is-dir', `Is a folder: ${abs}`, { path: abs });
    if (!info.isFile())
      throw new AppError('not-supported', `Not a regular file: ${abs}`, { path: abs });
    size = info.size;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let position = start;
  const last = Math.min(end, size - 1);
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      // Pushed a moment later, not within read(): a chunk pushed at once makes the stream's
      // read() answer everything buffered joined into a new buffer (a copy of every byte, and
      // fresh pages to fault in), where a later push lets it hand out the chunk as it is.
      queueMicrotask(() => {
        if (this.destroyed) return;
        if (signal.aborted) return void this.destroy(cancelledError(abs));
        const want = Math.min(CHUNK, last - position + 1);
        if (want <= 0) return void this.push(null);
        const buffer = Buffer.allocUnsafe(want);
        let got: number;
        try {
          got = readSync(fd, buffer, 0, want, position);
        } catch (error) {
          return void this.destroy(mapFsError(error, abs, 'read file'));
        }
        if (got === 0) return void this.push(null); // the file shrank: the engine's stat sees it
        position += got;
        this.push(got < want ? buffer.subarray(0, got) : buffer);
      });
    },
    destroy(error, callback) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      callback(error);
    },
  });
}

/**
 * Reads a whole small file with one open, one read and one fstat: the planned size is read, then
 * fstat proves the file is a regular file still of the planned size and mtime (a file that
 * changed before or during the read has another mtime, or size). Throws synchronously: the raw
 * fs error (EISDIR for a folder), AppError not-supported / changed-during-transfer (naming
 * `shown`).
 */
export function readWholeBlocking(abs: string, shown: string, options: ReadWholeOptions): Buffer {
  const { size } = options.expect;
  const fd = openSync(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const data = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, data, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const after = fstatSync(fd);
    assertReadAsPlanned(abs, shown, options, after, got);
    return data;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` into the new file `temp` (which must not exist), applies the metadata, closes it
 * and renames it over `abs`; on failure the temporary is removed. Returns the bytes written.
 * Throws the raw fs error.
 */
export function writeWholeBlocking(
  abs: string,
  temp: string,
  data: Uint8Array,
  metadata: MetadataUpdate | undefined,
): number {
  let fd: number | null = openSync(temp, 'wx', 0o666);
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset);
    if (metadata) applyMetadataToOpenFile(fd, metadata);
    closeSync(fd);
    fd = null;
    renameSync(temp, abs);
    return data.length;
  } catch (error) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created or already gone
    }
    throw error;
  }
}

/**
 * Writes `data` into the new file `temp` (which must not exist; with `sparse`, blocks of zeros
 * are left as holes: sparse-write.ts), applies the metadata to the open file, closes it and renames it over `abs`. On any failure or abort the temporary is removed and
 * `data` destroyed. Returns the bytes written. Throws the raw fs error or the stream's AppError.
 */
export async function writeFileBlocking(
  abs: string,
  temp: string,
  data: Readable,
  metadata: MetadataUpdate | undefined,
  signal: AbortSignal,
  sparse = false,
  onChunkWritten?: (chunk: Uint8Array) => void,
): Promise<number> {
  let fd: number | null = openSync(temp, 'wx', 0o666);
  let written = 0;
  try {
    if (sparse) {
      written = await writeSparseBlocking(fd, data as AsyncIterable<Buffer>, () => {
        if (signal.aborted) throw cancelledError(abs);
      });
    } else {
      for await (const chunk of data as AsyncIterable<Buffer>) {
        if (signal.aborted) throw cancelledError(abs);
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
        written += chunk.length;
        onChunkWritten?.(chunk); // written, and not kept: its source may reuse the memory
      }
    }
    if (signal.aborted) throw cancelledError(abs);
    if (metadata) applyMetadataToOpenFile(fd, metadata);
    closeSync(fd);
    fd = null;
    renameSync(temp, abs);
    return written;
  } catch (error) {
    data.destroy();
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created or already gone
    }
    throw error;
  }
}

/** chown (only when it changes something we may change), chmod, then times, all on the fd. */
function applyMetadataToOpenFile(fd: number, metadata: MetadataUpdate): void {
  if (!IS_WINDOWS && (metadata.uid !== undefined || metadata.gid !== undefined)) {
    const uid =
      metadata.uid !== undefined && metadata.uid !== EUID && EUID === 0 ? metadata.uid : -1;
    const gid = metadata.gid !== undefined && metadata.gid !== EGID ? metadata.gid : -1;
    if (uid !== -1 || gid !== -1) {
      try {
        fchownSync(fd, uid, gid);
      } catch (error) {
        if (errnoOf(error) !== 'EPERM') throw error; // as cp -p: keep going without the owner
      }
    }
  }
  // A new file already has CREATED_MODE: chmod only when the wanted mode differs.
  if (metadata.mode !== undefined && !IS_WINDOWS && (metadata.mode & 0o7777) !== CREATED_MODE)
    fchmodSync(fd, metadata.mode & 0o7777);
  if (metadata.mtimeMs !== undefined || metadata.atimeMs !== undefined) {
    const current =
      metadata.mtimeMs === undefined || metadata.atimeMs === undefined ? fstatSync(fd) : null;
    // Seconds as a double keep about a microsecond at today's dates.
    const atime = (metadata.atimeMs ?? current?.atimeMs ?? Date.now()) / 1000;
    const mtime = (metadata.mtimeMs ?? current?.mtimeMs ?? Date.now()) / 1000;
    futimesSync(fd, atime, mtime);
  }
}
