import { Transform, type Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';

/** The `Range` header for an inclusive byte range, or undefined for the whole object. */
export function rangeHeader(
  start: number | undefined,
  end: number | undefined,
): string | undefined {
  if (start === undefined && end === undefined) return undefined;
  return `bytes=${start ?? 0}-${end ?? ''}`;
}

/** Whether an SDK error is S3's 416 (a range starting at or past the end of the object). */
export function isInvalidRange(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416;
}

/**
 * The asked range out of what a ranged GET answered. HTTP lets a server send more than the
 * Range asked (200 with everything, or a wider 206: s3rver answers "bytes=0-0" with the whole
 * object); the extra bytes are cut off here rather than handed to the reader.
 * Throws AppError('unknown') when the answer starts after the asked range.
 */
export function narrowToRange(
  body: Readable,
  start: number | undefined,
  end: number | undefined,
  contentRange: string | undefined,
): Readable {
  if (start === undefined && end === undefined) return body;
  const match = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '');
  // No Content-Range: the whole object came.
  const from = match ? Number(match[1]) : 0;
  const to = match ? Number(match[2]) : Infinity;
  const first = start ?? 0;
  const last = end ?? Infinity;
  if (from > first) {
    body.destroy();
    throw new AppError(
      'unknown',
      `The server answered bytes from ${from} to a read from byte ${first} (Content-Range "${contentRange}")`,
    );
  }
  if (from === first && to <= last) return body;
  return sliceStream(body, first - from, last - from);
}

/**
 * Bytes `first`..`last` (inclusive) of a stream, for servers that answer a ranged GET with the
 * whole object. The source is destroyed once the range has passed. Errors pass through.
 */
function sliceStream(source: Readable, first: number, last: number): Readable {
  let offset = 0;
  const slicer = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const start = Math.max(first - offset, 0);
      const end = Math.min(last + 1 - offset, chunk.length);
      offset += chunk.length;
      if (end > start) this.push(chunk.subarray(start, end));
      if (offset > last) {
        this.push(null);
        source.unpipe(slicer);
        source.destroy();
      }
      callback();
    },
  });
  source.on('error', (error) => slicer.destroy(error));
  // As in getObject: an error before the reader reads stays on the stream for it, instead of
  // being thrown as an uncaught exception for want of a listener.
  slicer.on('error', () => undefined);
  slicer.on('close', () => source.destroy());
  return source.pipe(slicer);
}
