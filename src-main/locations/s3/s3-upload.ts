import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { AppError } from '../../../src-shared/errors';
import type { Semaphore } from './semaphore';

/*
 * Writes one object from a stream: a single PUT when the data fits in one part, else a multipart
 * upload with several parts in flight. Either way the object appears whole or not at all (S3
 * makes a multipart object visible only at CompleteMultipartUpload), and a failed or cancelled
 * multipart upload is aborted, so no orphaned parts keep costing storage.
 *
 * Every PUT and part carries its SHA-256 (x-amz-checksum-sha256): the server checks each body on
 * arrival, and for single-PUT objects keeps the whole object's checksum, which VERIFYING reads
 * instead of downloading the data again.
 */

/** S3 allows at most 10,000 parts; parts of at least 5 MiB except the last. */
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;
/** 8 MiB parts by default: big enough for throughput, small enough for every S3 server we know. */
export const DEFAULT_PART_SIZE = 8 * MIB;

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  contentType: string;
  storageClass?: StorageClass;
  /** URL-encoded tag set ("k=v&k2=v2"), when tags are copied. */
  tagging?: string;
  /** Called with the new object's ETag once the server has it (for written-index.ts). */
  onETag?(etag: string): void;
}

export interface UploadLimits {
  /** Bounds the part buffers in memory across every upload of one location. */
  parts: Semaphore;
  /** Parts of one upload in flight at most. */
  partsPerUpload: number;
}

/**
 * The part size for a file of `size` bytes: 8 MiB, grown in whole MiB so the file needs no more
 * than 10,000 parts (a 5 TiB object gets 525 MiB parts). Unknown size: the default.
 */
export function partSizeFor(size: number | undefined): number {
  if (size === undefined || size <= DEFAULT_PART_SIZE * MAX_PARTS) return DEFAULT_PART_SIZE;
  return Math.ceil(size / MAX_PARTS / MIB) * MIB;
}

/**
 * Uploads `data` to `target.key`, consuming and always destroying the stream. Resolves with the
 * bytes written. Rejects with what the stream or the SDK threw (the caller maps SDK errors) and
 * with an AbortError when the signal fires; a multipart upload is aborted before it rejects.
 */
export async function uploadStream(
  target: UploadTarget,
  data: Readable,
  size: number | undefined,
  limits: UploadLimits,
  signal: AbortSignal,
  onStored?: (hash: string) => void,
): Promise<number> {
  const partSize = partSizeFor(size);
  const parts = partsOf(data, partSize);
  // The source's failure reaches us through reading it; once it is read to its end nothing
  // listens, and the cancel's destroy below would be an uncaught error that ends the thread
  // (with the other uploads it runs, which then abort nothing).
  data.on('error', () => undefined);
  // A source that stalls must not hold a cancelled upload open: destroying it ends the reading.
  const onAbort = (): void => void data.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    const first = await parts.next();
    const firstPart = first.done ? Buffer.alloc(0) : first.value;
    const second = first.done ? first : await parts.next();
    if (second.done) return await putWhole(target, firstPart, signal, onStored);
    return await uploadMultipart(target, [firstPart, second.value], parts, limits, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
    data.destroy();
  }
}

/**
 * Uploads `body` with one PUT (it must fit one: at most 5 GiB, and what the server takes), with
 * its SHA-256; tells `target.onETag` the new ETag and `onStored` the server's own checksum.
 * Resolves with the bytes written. Rejects with what the SDK threw (the caller maps it).
 */
export async function putWhole(
  target: UploadTarget,
  body: Buffer,
  signal: AbortSignal,
  onStored?: (hash: string) => void,
): Promise<number> {
  const { ChecksumSHA256: stored, ETag: etag } = await putSingle(target, body, signal);
  if (etag) target.onETag?.(etag);
  // The server's own checksum of what it stored (it refuses a body that does not match).
  if (stored && !stored.includes('-')) {
    onStored?.(`sha256:${Buffer.from(stored, 'base64').toString('hex')}`);
  }
  return body.length;
}

/** A single PUT; resolves with the ETag and SHA-256 (base64) the server answered, if any. */
async function putSingle(
  target: UploadTarget,
  body: Buffer,
  signal: AbortSignal,
): Promise<{ ChecksumSHA256?: string; ETag?: string }> {
  const answer = await target.client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      Body: body,
      ContentLength: body.length,
      ContentType: target.contentType,
      Metadata: target.metadata,
      StorageClass: target.storageClass,
      Tagging: target.tagging,
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: sha256Base64(body),
    }),
    { abortSignal: signal },
  );
  return answer;
}

async function uploadMultipart(
  target: UploadTarget,
  firstParts: Buffer[],
  rest: AsyncGenerator<Buffer>,
  limits: UploadLimits,
  signal: AbortSignal,
): Promise<number> {
  const { client, bucket, key } = target;
  signal.throwIfAborted();
  // Never cancelled mid-request: a server creates the upload although the client stopped
  // waiting for the answer, and an upload whose id we never learned can never be aborted (a
  // cancel that landed on this request left one behind). The client's time limits still apply;
  // a cancel that came meanwhile aborts the upload below.
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ContentType: target.contentType,
      Metadata: target.metadata,
      StorageClass: target.storageClass,
      Tagging: target.tagging,
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new AppError('unknown', `The server gave no upload id for ${key}`);
  // Parts stop at the first failure: one controller cancels the others' requests.
  const failFast = new AbortController();
  const partSignal = AbortSignal.any([signal, failFast.signal]);
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let bytes = 0;
  let partNumber = 0;

  const send = async (body: Buffer, number: number): Promise<void> => {
    try {
      const checksum = sha256Base64(body);
      const answer = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: number,
          Body: body,
          ContentLength: body.length,
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: checksum,
        }),
        { abortSignal: partSignal },
      );
      completed.push({ PartNumber: number, ETag: answer.ETag, ChecksumSHA256: checksum });
    } catch (error) {
      failure ??= error;
      failFast.abort();
    } finally {
      limits.parts.release();
    }
  };

  try {
    signal.throwIfAborted();
    const queue = async (body: Buffer): Promise<void> => {
      await limits.parts.acquire(partSignal);
      partNumber++;
      if (partNumber > MAX_PARTS) {
        limits.parts.release();
        throw new AppError(
          'not-supported',
          `${key} needs more than ${MAX_PARTS} parts of ${body.length} bytes: too large for one S3 object`,
        );
      }
      bytes += body.length;
      const task = send(body, partNumber).finally(() => inFlight.delete(task));
      inFlight.add(task);
      while (inFlight.size >= limits.partsPerUpload && failure === null) {
        await Promise.race(inFlight);
      }
      if (failure !== null) throw failure;
    };
    for (const body of firstParts) await queue(body);
    for await (const body of rest) await queue(body);
    await Promise.all(inFlight);
    if (failure !== null) throw failure;
    signal.throwIfAborted();
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
      }),
      { abortSignal: signal },
    );
    assertCompleted(done.ETag, bucket, key);
    if (done.ETag) target.onETag?.(done.ETag);
    return bytes;
  } catch (error) {
    failFast.abort();
    await Promise.allSettled(inFlight);
    await abortUpload(client, bucket, key, uploadId);
    throw failure ?? error;
  }
}

/**
 * How long aborting one upload may take in all: long enough to outlast a server restart (the
 * failure that made us abort is often the server going away), short enough that a server that
 * is gone or frozen does not hold the run.
 */
const ABORT_WITHIN_MS = 15_000;

/**
 * Aborts a multipart upload, trying again (the client's standard retries, then backoff from
 * 250 ms to 2 s) until it succeeds or ABORT_WITHIN_MS have passed: a server that restarts within
 * that time leaves no upload behind. One that could not be aborted (the server is gone) costs
 * the user storage until a lifecycle rule, or the next run's clean-up of the folder where the
 * server lists uploads, removes it. Never throws (the original failure is what matters).
 */
export async function abortUpload(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  const deadline = AbortSignal.timeout(ABORT_WITHIN_MS);
  for (let attempt = 0; !deadline.aborted; attempt++) {
    try {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
        { abortSignal: deadline },
      );
      return;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchUpload') return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(2_000, 250 * 2 ** attempt));
      function done(): void {
        clearTimeout(timer);
        deadline.removeEventListener('abort', done);
        resolve();
      }
      deadline.addEventListener('abort', done, { once: true });
    });
  }
}

/** Cuts a stream into buffers of exactly `size` bytes (the last may be shorter, never empty). */
async function* partsOf(data: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of data as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(size - pendingBytes, chunk.length - offset);
      pending.push(chunk.subarray(offset, offset + take));
      pendingBytes += take;
      offset += take;
      if (pendingBytes === size) {
        yield Buffer.concat(pending, size);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

export function sha256Base64(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * Throws AppError('unavailable') unless CompleteMultipartUpload answered an ETag. S3 may answer
 * 200 with an <Error> document, which the SDK only recognises when the body ends exactly with
 * "</Error>": with a trailing newline a failed assembly would read as a success and the object
 * would never appear. Every real completion carries the new object's ETag.
 */
export function assertCompleted(etag: string | undefined, bucket: string, key: string): void {
  if (etag) return;
  throw new AppError(
    'unavailable',
    `The server did not confirm assembling object "${key}" in bucket "${bucket}" (CompleteMultipartUpload answered without an ETag)`,
  );
}
