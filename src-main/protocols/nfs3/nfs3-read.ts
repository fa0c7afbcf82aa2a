import { Readable } from 'node:stream';
import type { Nfs3Client } from './nfs3';

/*
 * Streaming a byte range of a file out of an open handle (RFC 1813, 3.3.6): READs of at most
 * rtmax bytes, several in flight ahead of the reader, their data passed on in order as views
 * of the replies (the RPC layer reads each reply's data straight into the reply's own buffer,
 * so no byte is copied on the way). READs go out in batches of a quarter of the window, so
 * that one socket write carries several calls instead of one each.
 */

/** READs in flight by default: with READs of 256 KiB, 4 MiB ahead of the reader. */
export const READS_IN_FLIGHT = 16;

export interface StreamReadOptions {
  nfs: Nfs3Client;
  handle: Buffer;
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive (the file's size less one, or the range's end). */
  last: number;
  /** The size of each READ (within the server's rtmax). */
  chunkBytes: number;
  /** READs in flight at most (READS_IN_FLIGHT). */
  readsInFlight?: number;
  signal?: AbortSignal;
}

/** A read's stream, whose reader may give each chunk's memory back once done with it. */
export interface ReadStream extends Readable {
  /**
   * The reader is done with `chunk` (one the stream passed on, as it was passed on): its reply
   * buffer may take another READ's reply. Nothing may read or keep `chunk` after this. Anything
   * else (a part of a chunk, a copy, a chunk given back twice) is ignored; a chunk never given
   * back is collected as usual.
   */
  releaseChunk(chunk: Uint8Array): void;
}

/**
 * The bytes `start`..`last` as a stream of Buffers, each a view of one READ reply. Memory is
 * bounded: at most `readsInFlight` READs are asked for beyond what the stream holds (one READ's
 * worth, its highWaterMark). A READ that meets the end of the file (the file shrank) ends the
 * stream there: nothing past it is asked for. Errors (Nfs3Error, the RPC client's) destroy the
 * stream; destroying it stops asking for more (replies in flight are dropped).
 */
export function streamRead(options: StreamReadOptions): ReadStream {
  const { nfs, handle, last, chunkBytes, signal } = options;
  const inFlight = Math.max(1, options.readsInFlight ?? READS_IN_FLIGHT);
  const batch = Math.max(1, inFlight >> 2);
  let next = options.start;
  // Set once a READ met the end of the file: no READ is asked for beyond it. The size came
  // from GETATTR, and a file that shrank since (or a server that claims 2^64 - 1 bytes) would
  // otherwise have READs asked for, answered empty, up to the size it claimed.
  let atEnd = false;
  /** Each READ asked for, oldest first, answered or not. */
  const pending: Promise<Buffer>[] = [];
  /** A delivery loop is running (waiting on the oldest READ, or pushing). */
  let delivering = false;
  /** Chunks passed on and not given back yet: only these may be released (releaseChunk). */
  const passedOn = new WeakSet<Uint8Array>();

  // A READ asks for `count` bytes at `offset`; a server may answer fewer before the end of the
  // file, and the rest is then asked for before anything later is passed on.
  const readFully = async (offset: number, count: number): Promise<Buffer> => {
    const first = await nfs.read(handle, BigInt(offset), count, signal);
    if (first.data.length === count) return first.data;
    const parts = [first.data];
    let got = first.data.length;
    let { eof } = first;
    while (got < count && !eof && parts[parts.length - 1]?.length !== 0) {
      const more = await nfs.read(handle, BigInt(offset + got), count - got, signal);
      parts.push(more.data);
      got += more.data.length;
      eof = more.eof;
    }
    if (got < count) atEnd = true; // the file is shorter than when it was listed
    const whole = Buffer.concat(parts, got);
    for (const part of parts) nfs.releaseRead(part); // copied
    return whole;
  };

  const fill = (): void => {
    // Only once a batch can go: the calls made in one turn leave in one socket write.
    if (pending.length > inFlight - batch) return;
    while (pending.length < inFlight && next <= last && !atEnd) {
      const count = Math.min(chunkBytes, last - next + 1);
      const read = readFully(next, count);
      read.catch(() => undefined); // surfaced when its turn comes
      pending.push(read);
      next += count;
    }
  };

  const stream = Object.assign(
    new Readable({
      highWaterMark: chunkBytes,
      read() {
        if (!delivering) void deliver();
      },
    }),
    {
      releaseChunk(chunk: Uint8Array): void {
        if (passedOn.delete(chunk)) nfs.releaseRead(chunk);
      },
    },
  );

  // Passes answered READs on, in order, for as long as the stream wants more.
  const deliver = async (): Promise<void> => {
    delivering = true;
    try {
      for (;;) {
        fill();
        const oldest = pending.shift();
        if (!oldest) {
          stream.push(null);
          return;
        }
        const data = await oldest;
        if (stream.destroyed) {
          nfs.releaseRead(data); // never passed on
          return;
        }
        if (data.length === 0) continue;
        passedOn.add(data);
        if (!stream.push(data)) return;
      }
    } catch (error) {
      stream.destroy(error as Error);
    } finally {
      delivering = false;
    }
  };
  return stream;
}
