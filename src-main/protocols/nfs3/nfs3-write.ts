import type { Nfs3Client, Stability } from './nfs3';
import { Nfs3Error } from './nfs3-types';

/*
 * Streaming a file's bytes into an open handle (RFC 1813, 3.3.7 and 3.3.21): UNSTABLE WRITEs,
 * several in flight, made durable by COMMITs. The bytes go in windows; when a window is full,
 * its COMMIT is sent once its WRITEs are answered, while the next window's WRITEs already go
 * out, so the server's flush to disk overlaps with the transfer instead of stopping it. Every
 * WRITE reply carries the server's write verifier: a COMMIT answering another one means the
 * server restarted and may have lost the window, which is then sent again, FILE_SYNC. A window
 * is kept in memory until its COMMIT; at most two are (the one committing, the one filling).
 * A file that fits in one WRITE goes as one FILE_SYNC WRITE instead: no COMMIT.
 */

const WRITES_IN_FLIGHT = 4;
/** Bytes per COMMIT: what a restart can cost us to resend, and half what one file holds. */
const COMMIT_WINDOW_BYTES = 16 * 1024 * 1024;

interface Written {
  offset: number;
  data: Buffer;
  verifier: string;
}

interface Window {
  written: Written[];
  bytes: number;
  /** WRITEs of this window not answered yet. */
  inFlight: Set<Promise<void>>;
}

export interface StreamWriteOptions {
  nfs: Nfs3Client;
  handle: Buffer;
  /** The size of each WRITE (within the server's wtmax). */
  chunkBytes: number;
  /** For messages. */
  path: string;
  /** Bytes per COMMIT (16 MiB). */
  windowBytes?: number;
  /**
   * Leave WRITEs of zeros only unsent: the file (new and empty) keeps a hole there, which reads
   * as zeros. The caller sets the file's size afterwards (SETATTR), for a file that ends in one.
   */
  holes?: boolean;
  signal?: AbortSignal;
}

const ZEROS = Buffer.alloc(64 * 1024);

function isAllZero(bytes: Buffer): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const end = Math.min(bytes.length, at + ZEROS.length);
    if (ZEROS.compare(bytes, at, end, 0, end - at) !== 0) return false;
  }
  return true;
}

/**
 * Writes `data` from offset 0 and makes it durable. Resolves with the bytes written. Throws
 * Nfs3Error, the RPC client's errors, and the stream's own errors.
 */
export async function streamWrite(
  data: AsyncIterable<Buffer>,
  options: StreamWriteOptions,
): Promise<number> {
  const { nfs, handle, path, signal } = options;
  let failure: unknown = null;
  let offset = 0;
  let window: Window = { written: [], bytes: 0, inFlight: new Set() };
  let committing: Promise<void> = Promise.resolve();
  /** Every WRITE not answered yet, of whichever window. */
  const inFlight = new Set<Promise<void>>();

  /** Resolves with the last reply's verifier; `synced` false when a reply was not FILE_SYNC. */
  const writeAll = async (
    at: number,
    chunk: Buffer,
    stable: Stability,
  ): Promise<{ verifier: string; synced: boolean }> => {
    let done = 0;
    let verifier = '';
    let synced = true;
    while (done < chunk.length) {
      const result = await nfs.write(
        handle,
        BigInt(at + done),
        chunk.subarray(done),
        stable,
        signal,
      );
      if (result.count === 0)
        throw new Nfs3Error(5, 'NFS3ERR_IO', `WRITE ${path}: nothing written`);
      done += result.count;
      verifier = result.verifier.toString('hex');
      if (result.committed !== 'FILE_SYNC') synced = false;
    }
    return { verifier, synced };
  };

  const commitWindow = async (closed: Window): Promise<void> => {
    await Promise.all(closed.inFlight);
    if (failure !== null) throw failure;
    const verifier = (await nfs.commit(handle, signal)).toString('hex');
    for (const w of closed.written) {
      if (w.verifier !== verifier) await writeAll(w.offset, w.data, 'FILE_SYNC');
    }
  };

  // A file that is one WRITE: FILE_SYNC makes it durable in that round trip, where UNSTABLE
  // needs a COMMIT after it (small files: one call of the few each costs). A server that
  // answers less than FILE_SYNC gets its COMMIT, checked as usual.
  const writeWhole = async (chunk: Buffer): Promise<void> => {
    const first = await writeAll(0, chunk, 'FILE_SYNC');
    if (first.synced) return;
    const verifier = (await nfs.commit(handle, signal)).toString('hex');
    if (verifier !== first.verifier) await writeAll(0, chunk, 'FILE_SYNC');
  };

  const closeWindow = async (): Promise<void> => {
    // The previous COMMIT first: never more than two windows in memory.
    await committing;
    const closed = window;
    window = { written: [], bytes: 0, inFlight: new Set() };
    committing = commitWindow(closed);
    committing.catch((error: unknown) => void (failure ??= error));
  };

  const send = async (chunk: Buffer): Promise<void> => {
    if (options.holes && isAllZero(chunk)) {
      offset += chunk.length;
      return;
    }
    while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
    if (failure !== null) throw failure;
    const at = offset;
    const owner = window;
    const task = writeAll(at, chunk, 'UNSTABLE').then(
      ({ verifier }) => void owner.written.push({ offset: at, data: chunk, verifier }),
      (error: unknown) => void (failure ??= error),
    );
    const tracked = task.finally(() => {
      owner.inFlight.delete(tracked);
      inFlight.delete(tracked);
    });
    owner.inFlight.add(tracked);
    inFlight.add(tracked);
    offset += chunk.length;
    owner.bytes += chunk.length;
    if (owner.bytes >= (options.windowBytes ?? COMMIT_WINDOW_BYTES)) await closeWindow();
  };

  // Pieces are gathered until a WRITE's worth, then joined (one copy, of exactly that size; a
  // piece that is a WRITE on its own is sent as it is). Kept until their COMMIT for a resend,
  // and sent without another copy (the RPC layer borrows them). A small file costs a buffer of
  // its own size, not of a WRITE's.
  let pieces: Buffer[] = [];
  let gathered = 0;
  const take = (bytes: number): Buffer => {
    const joined = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, gathered);
    const out = joined.subarray(0, bytes);
    const rest = joined.subarray(bytes);
    pieces = rest.length > 0 ? [rest] : [];
    gathered = rest.length;
    return out;
  };
  try {
    for await (const piece of data) {
      if (piece.length === 0) continue;
      pieces.push(piece);
      gathered += piece.length;
      while (gathered >= options.chunkBytes) await send(take(options.chunkBytes));
    }
    if (gathered > 0 && offset === 0) {
      const whole = take(gathered);
      await writeWhole(whole);
      return whole.length;
    }
    if (gathered > 0) await send(take(gathered));
    // The last window (none when the file ended on a window's end, or is empty).
    if (window.bytes > 0) await closeWindow();
    await committing;
  } finally {
    // Nothing may still be writing when the caller removes or renames the file.
    await committing.catch(() => undefined);
    await Promise.allSettled(inFlight);
  }
  if (failure !== null) throw failure;
  return offset;
}
