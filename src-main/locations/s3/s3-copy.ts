import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { mapBounded } from '../map-bounded';
import { abortUpload, assertCompleted } from './s3-upload';

/*
 * Server-side copy within one S3 endpoint: the bytes never leave the server. Objects up to
 * 64 MiB are copied with one CopyObject once `alongside` has resolved (so a failed check means
 * no copy); larger ones with UploadPartCopy while `alongside` runs, completed only if it resolves
 * (the object appears whole or not at all, as with uploads). CopyObject also rewrites an object
 * onto itself, which is how S3 changes metadata.
 */

const SINGLE_COPY_MAX = 64 * 1024 * 1024;
const COPY_PART_MIN = 256 * 1024 * 1024;
const MAX_PARTS = 10_000;
const PARTS_IN_FLIGHT = 4;

export interface CopySource {
  bucket: string;
  key: string;
  size: number;
}

export interface CopyTarget {
  bucket: string;
  key: string;
  /** Replaces the source's user metadata. */
  metadata: Record<string, string>;
  contentType: string;
  storageClass?: StorageClass;
  /**
   * The copy's tags, URL-encoded ("k=v&k2=v2"): the source's with ObjectTags=PRESERVE. Set
   * explicitly rather than with TaggingDirective=COPY, which not every server honours.
   */
  tagging?: string;
  /** Keep the source's tags as they are (TaggingDirective=COPY): for rewriting metadata. */
  keepTags?: boolean;
}

/**
 * Copies `source` to `target` server-side, running `alongside` meanwhile; nothing appears at the
 * target unless both succeed. Rejects with what the SDK or `alongside` threw; a multipart copy is
 * aborted first.
 */
export async function copyObject(
  client: S3Client,
  source: CopySource,
  target: CopyTarget,
  alongside: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const copySource = `${source.bucket}/${encodeKey(source.key)}`;
  if (source.size <= SINGLE_COPY_MAX) {
    await alongside();
    await client.send(
      new CopyObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        CopySource: copySource,
        MetadataDirective: 'REPLACE',
        Metadata: target.metadata,
        ContentType: target.contentType,
        StorageClass: target.storageClass,
        TaggingDirective: target.keepTags ? 'COPY' : 'REPLACE',
        Tagging: target.keepTags ? undefined : target.tagging,
        ChecksumAlgorithm: 'SHA256',
      }),
      { abortSignal: signal },
    );
    return;
  }
  // UploadPartCopy copies no tags: an object rewritten onto itself reads its own first.
  const tagging = target.keepTags ? await tagsOf(client, source, signal) : target.tagging;
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      Metadata: target.metadata,
      ContentType: target.contentType,
      StorageClass: target.storageClass,
      Tagging: tagging,
    }),
    { abortSignal: signal },
  );
  const uploadId = created.UploadId ?? '';
  const failFast = new AbortController();
  const partSignal = AbortSignal.any([signal, failFast.signal]);
  const partSize = Math.max(COPY_PART_MIN, Math.ceil(source.size / MAX_PARTS));
  const ranges = Array.from({ length: Math.ceil(source.size / partSize) }, (_, i) => ({
    number: i + 1,
    first: i * partSize,
    last: Math.min(source.size, (i + 1) * partSize) - 1,
  }));
  try {
    const copyParts = mapBounded(ranges, PARTS_IN_FLIGHT, async (range): Promise<CompletedPart> => {
      const answer = await client.send(
        new UploadPartCopyCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: uploadId,
          PartNumber: range.number,
          CopySource: copySource,
          CopySourceRange: `bytes=${range.first}-${range.last}`,
        }),
        { abortSignal: partSignal },
      );
      return { PartNumber: range.number, ETag: answer.CopyPartResult?.ETag };
    });
    const check = alongside();
    // Whichever fails first stops the other.
    const [parts] = await Promise.all([
      copyParts.catch((error: unknown) => {
        failFast.abort();
        throw error;
      }),
      check.catch((error: unknown) => {
        failFast.abort();
        throw error;
      }),
    ]);
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      { abortSignal: signal },
    );
    assertCompleted(done.ETag, target.bucket, target.key);
  } catch (error) {
    failFast.abort();
    await abortUpload(client, target.bucket, target.key, uploadId);
    throw error;
  }
}

async function tagsOf(
  client: S3Client,
  source: CopySource,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    const answer = await client.send(
      new GetObjectTaggingCommand({ Bucket: source.bucket, Key: source.key }),
      { abortSignal: signal },
    );
    const tags = answer.TagSet ?? [];
    if (tags.length === 0) return undefined;
    return new URLSearchParams(
      tags.map((t): [string, string] => [t.Key ?? '', t.Value ?? '']),
    ).toString();
  } catch (error) {
    // A server without tagging has no tags to keep.
    const name = (error as { name?: string }).name;
    if (name === 'NotImplemented' || name === 'MethodNotAllowed') return undefined;
    throw error;
  }
}

/** CopySource is "bucket/key" with the key URL-encoded, slashes kept. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
