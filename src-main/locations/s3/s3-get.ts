import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../../src-shared/errors';
import type { ReadOptions, ReadStreamMetadata } from '../location';
import { fromUserMetadata } from './s3-metadata';
import { mappedBody } from '../mapped-stream';
import { isInvalidRange, narrowToRange, rangeHeader } from './s3-read';

/*
 * Reading an object: one GET for ranges and small files; for a large file read whole, several
 * 8 MiB ranges at once (one stream is limited by one connection and one server thread),
 * delivered in order, every range pinned to the first one's ETag so a file replaced meanwhile
 * fails instead of mixing two versions.
 */

/** Files from this size on are read as several ranges at once. */
const PARALLEL_READ_MIN_BYTES = 32 * 1024 * 1024;
const READ_RANGE_BYTES = 8 * 1024 * 1024;
const READ_RANGES_IN_FLIGHT = 4;

export interface GetTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** For messages: where the object is. */
  what: string;
  /** Maps what a request threw while the stream flows (the caller maps what this rejects with). */
  fail(error: unknown): AppError;
}

/**
 * The object's bytes, as ReadOptions asks (S3's 416 is an empty stream). Checks
 * `options.expect` against the answer (changed-during-transfer). Rejects with the SDK's errors
 * for the caller to map, and so does a failure of a small object's body (read whole before this
 * resolves); failures while a larger one streams reach the stream as AppErrors.
 */
export async function getObject(
  target: GetTarget,
  options: ReadOptions,
  signal: AbortSignal,
): Promise<Readable> {
  const whole = options.start === undefined && options.end === undefined;
  if (whole && (options.sizeHint ?? 0) >= PARALLEL_READ_MIN_BYTES) {
    return getInRanges(target, options.expect, signal);
  }
  let answer: GetObjectCommandOutput;
  try {
    answer = await target.client.send(
      new GetObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Range: rangeHeader(options.start, options.end),
        // The version PREPARING listed, and no other (checked below too: not every server
        // honours If-Match).
        IfMatch: options.expect?.etag,
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    if (isInvalidRange(error)) return Readable.from([]);
    throw error;
  }
  const body = answer.Body as Readable | undefined;
  assertExpected(target, options.expect, answer, body);
  if (!body) return withMetadata(Readable.from([]), answer);
  if (whole && (answer.ContentLength ?? Infinity) <= SMALL_OBJECT_MAX_BYTES) {
    return withMetadata(heldStream(await collectBody(body, signal)), answer);
  }
  const mapped = mappedBody(body, signal, target.what, target.fail);
  // The connection may fail before the caller starts reading (it awaits other things first):
  // with no listener, that 'error' event would be thrown as an uncaught exception. The error
  // stays on the stream, and the reader meets it when it reads.
  mapped.on('error', () => undefined);
  return withMetadata(
    narrowToRange(mapped, options.start, options.end, answer.ContentRange),
    answer,
  );
}

/**
 * The stream, carrying the stored metadata the GET answered in its headers (ReadStreamMetadata):
 * what spares a first copy the HEAD per object. LastModified stands in for a missing mtime, as
 * in entryFromHead.
 */
function withMetadata(stream: Readable, answer: GetObjectCommandOutput): Readable {
  const stored = fromUserMetadata(answer.Metadata);
  const mtimeMs = stored.mtimeMs ?? answer.LastModified?.getTime();
  if (mtimeMs === undefined) return stream;
  (stream as Readable & ReadStreamMetadata).storedMetadata = { ...stored, mtimeMs };
  return stream;
}

/**
 * Objects up to this size are read whole before `getObject` resolves and handed on as one
 * buffer: for small files the stream plumbing (a PassThrough piped from the body, its listeners)
 * cost more than the bytes.
 */
const SMALL_OBJECT_MAX_BYTES = 1024 * 1024;

/** All of a small answer's body, as one buffer. Rejects as collectRange does. */
async function collectBody(body: Readable, signal: AbortSignal): Promise<Buffer> {
  const { chunks, length } = await collectRange(body, 0, Infinity, signal);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
}

/** A stream of one buffer already in hand: what a reader of a small object gets. */
function heldStream(bytes: Buffer): Readable {
  const stream = new Readable({ read() {} });
  if (bytes.length > 0) stream.push(bytes);
  stream.push(null);
  return stream;
}

interface Range {
  /** The range's bytes as the socket delivered them: never copied. */
  chunks: Buffer[];
  length: number;
}

/** A range whose answer (headers) is in: its bytes still arriving. */
interface OpenedRange {
  answer: GetObjectCommandOutput;
  /** The object's size, as the answer gives it (NaN when it does not). */
  total: number;
  bytes: Promise<Range>;
}

async function getInRanges(
  target: GetTarget,
  expect: ReadOptions['expect'],
  signal: AbortSignal,
): Promise<Readable> {
  const stop = new AbortController();
  const requestSignal = AbortSignal.any([signal, stop.signal]);
  const openRange = async (first: number, etag?: string): Promise<OpenedRange> => {
    const answer = await target.client.send(
      new GetObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Range: `bytes=${first}-${first + READ_RANGE_BYTES - 1}`,
        IfMatch: etag,
      }),
      { abortSignal: requestSignal },
    );
    // Checked here too: not every server honours If-Match on GET.
    if (etag !== undefined && answer.ETag !== undefined && answer.ETag !== etag) {
      (answer.Body as Readable | undefined)?.destroy(); // not read: it may be the whole object
      throw new AppError(
        'changed-during-transfer',
        `The object changed while it was read: ${target.what}`,
      );
    }
    // A server that ignored the range sends everything from byte 0 (200, no Content-Range):
    // the bytes before the range are skipped and those after it never read, so a range holds
    // at most READ_RANGE_BYTES whatever the server sends.
    const ignoredRange = answer.ContentRange === undefined;
    const total = Number(
      /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1] ??
        (ignoredRange ? answer.ContentLength : undefined) ??
        NaN,
    );
    const bytes = collectRange(
      answer.Body as Readable | undefined,
      ignoredRange ? first : 0,
      READ_RANGE_BYTES,
      requestSignal,
    ).then((range) => {
      // Short of what the range holds (the object's end aside): the answer was cut off.
      const expected = Number.isFinite(total) ? Math.min(READ_RANGE_BYTES, total - first) : 0;
      if (range.length < expected) {
        throw new AppError(
          'unavailable',
          `${target.what}: the server answered ${range.length} bytes of the ${expected} from byte ${first}: the answer was cut short`,
          { offset: first },
        );
      }
      return range;
    });
    bytes.catch(() => undefined); // surfaced when its turn comes
    return { answer, total, bytes };
  };
  const fetchRange = async (first: number, etag?: string): Promise<Range> =>
    (await openRange(first, etag)).bytes;
  let head: OpenedRange;
  try {
    head = await openRange(0, expect?.etag);
  } catch (error) {
    if (isInvalidRange(error)) return Readable.from([]);
    throw error;
  }
  try {
    assertExpected(target, expect, head.answer);
  } catch (error) {
    stop.abort(); // the first range's body is not wanted
    throw error;
  }
  const etag = head.answer.ETag;
  // The size the first answer gave; without one, the first range's length (all there is).
  const total = Number.isFinite(head.total) ? head.total : (await head.bytes).length;
  // Ranges ahead of the reader: at most READ_RANGES_IN_FLIGHT, the first of them requested as
  // soon as the first answer said the object's size (while its bytes still arrive), the others
  // as the reader takes data (read() is called when the buffer runs low): memory stays bounded.
  const pending: Promise<Range>[] = [head.bytes];
  let next = READ_RANGE_BYTES;
  const fill = (): void => {
    while (pending.length < READ_RANGES_IN_FLIGHT && next < total) {
      const range = fetchRange(next, etag);
      range.catch(() => undefined); // surfaced when its turn comes
      pending.push(range);
      next += READ_RANGE_BYTES;
    }
  };
  fill();
  // Object mode: each chunk reaches the reader as it is. A byte stream's read() joins whatever
  // is buffered into a new buffer, and a range arrives as many chunks at once: a copy of every
  // byte (measured on 512 MiB: 0.8 s, 10% of the transfer thread, and more GC). Copying the
  // socket's chunks into 1 MiB ones instead cost more than it saved (4.61 s against 3.76 s of
  // CPU for 512 MiB).
  const stream = new Readable({
    objectMode: true,
    // About one range of the socket's chunks (up to 64 KiB each).
    highWaterMark: READ_RANGE_BYTES / (64 * 1024),
    read() {
      const range = pending.shift();
      if (!range) {
        this.push(null);
        return;
      }
      range.then(
        ({ chunks }) => {
          fill();
          for (const chunk of chunks) this.push(chunk);
          if (pending.length === 0 && next >= total) this.push(null);
        },
        (error: unknown) => this.destroy(target.fail(error)),
      );
    },
    destroy(error, callback) {
      stop.abort(); // the reader stopped early, or failed: cancel what is still in flight
      callback(error);
    },
  });
  return withMetadata(stream, head.answer);
}

/**
 * Up to `max` bytes of `body` after skipping its first `skip`, as the chunks it delivered; the body is
 * destroyed once they are in hand (the rest is never read), or when the signal fires. Listens
 * to 'data' rather than iterating: an async iterator costs a promise per chunk (16,384 of them
 * per GiB). Rejects with the body's error, or the signal's reason.
 */
function collectRange(
  body: Readable | undefined,
  skip: number,
  max: number,
  signal: AbortSignal,
): Promise<Range> {
  if (!body) return Promise.resolve({ chunks: [], length: 0 });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let skipped = 0;
    let kept = 0;
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      body.off('data', onData);
      if (error === undefined) resolve({ chunks, length: kept });
      else reject(error);
      if (!body.destroyed) body.destroy();
    };
    const onAbort = (): void => finish(signal.reason);
    const onData = (chunk: Buffer): void => {
      let piece = chunk;
      if (skipped < skip) {
        const drop = Math.min(skip - skipped, piece.length);
        skipped += drop;
        piece = piece.subarray(drop);
      }
      if (piece.length === 0) return;
      piece = piece.subarray(0, max - kept);
      chunks.push(piece);
      kept += piece.length;
      if (kept >= max) finish();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    body.on('data', onData);
    body.once('end', () => finish());
    body.once('error', (error) => finish(signal.aborted ? signal.reason : error));
    body.once('close', () => {
      // Closed without 'end' or an error: the connection was cut mid-body.
      if (!body.readableEnded && !body.errored)
        finish(
          signal.aborted
            ? signal.reason
            : Object.assign(new Error('The connection closed mid-answer'), { code: 'ECONNRESET' }),
        );
    });
  });
}

/**
 * The GET answered the version the caller planned (size, and the mtime, or for an entry whose
 * metadata was never loaded the ETag), else changed-during-transfer (the body is released).
 */
function assertExpected(
  target: GetTarget,
  expect: ReadOptions['expect'],
  answer: GetObjectCommandOutput,
  body?: Readable,
): void {
  if (!expect) return;
  const total = Number(
    /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1] ?? answer.ContentLength ?? NaN,
  );
  const mtimeMs =
    fromUserMetadata(answer.Metadata).mtimeMs ?? answer.LastModified?.getTime() ?? NaN;
  const sameTag =
    expect.etag === undefined || answer.ETag === undefined || answer.ETag === expect.etag;
  // A pending entry's mtime is the listed LastModified (to the second in headers): the listed
  // ETag stands for the version where there is one.
  const sameTime = expect.metadataPending
    ? expect.etag !== undefined ||
      Math.abs((answer.LastModified?.getTime() ?? NaN) - expect.mtimeMs) < 1000
    : Math.abs(mtimeMs - expect.mtimeMs) < 1;
  if (total === expect.size && sameTag && sameTime) return;
  body?.destroy();
  throw new AppError(
    'changed-during-transfer',
    `Source file changed since it was listed: ${target.what} (size ${expect.size} -> ${total})`,
  );
}
