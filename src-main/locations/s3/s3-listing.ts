import {
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { isTemporaryName } from '../temp-names';
import { answerHead, PageChain, sendBounded, UploadPageChain } from './s3-answer';
import { S3AnswerError } from './s3-errors';
import { decodeListedKey, unsafeKeyName } from './s3-keys';

/*
 * ListObjectsV2, page by page. Delimiter listings (one folder level) serve list() and the file
 * browser; flat listings (everything under a prefix) serve emptiness checks and cleanup.
 */

export interface FolderPage {
  objects: _Object[];
  /** Sub-folder prefixes, each ending with '/'. */
  prefixes: string[];
  /** The continuation token of the page after this one; undefined on the last page. */
  next?: string;
}

/**
 * One folder level under `prefix`, a page at a time (1,000 keys per page), from the start or
 * from a continuation token an earlier page gave. Throws SDK errors, and S3AnswerError for
 * answers that are no listing, too large or too slow, or pages that would not end (s3-answer.ts).
 */
export async function* listFolderPages(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  from?: string,
): AsyncGenerator<FolderPage> {
  const chain = new PageChain(prefix);
  let token: string | undefined = from;
  do {
    const page = await sendBounded(
      client,
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: '/',
        ContinuationToken: token,
        // Keys with a CR or control characters survive only percent-encoded (s3-keys.ts).
        EncodingType: 'url',
      }),
      signal,
    );
    const next = chain.next(page);
    const decode = (value: string): string => decodeListedKey(value, page.EncodingType);
    yield {
      objects: (page.Contents ?? []).map((o) => (o.Key ? { ...o, Key: decode(o.Key) } : o)),
      prefixes: (page.CommonPrefixes ?? [])
        .map((p) => decode(p.Prefix ?? ''))
        .filter((p) => p !== ''),
      ...(next !== undefined && { next }),
    };
    token = next;
  } while (token);
}

/** What a listing says of one object: all a comparison by size needs, with no HEAD. */
export interface ListedObject {
  name: string;
  size: number;
  /** As listed, with its quotes (what HEAD and GET answer too). */
  etag?: string;
  lastModifiedMs?: number;
}

export interface FolderLevel {
  /** The objects directly in the folder (markers and temporaries left out). */
  files: ListedObject[];
  /** Names of its sub-folders. */
  folders: string[];
  /** Keys whose name cannot be a file or folder name anywhere, with the reason. */
  problems: { name: string; key: string; problem: string }[];
  /** Nothing at all has this prefix, not even a marker: the folder does not exist. */
  empty: boolean;
}

/** One folder level, every page, sorted into files, folders and problem names. Throws SDK errors. */
export async function listLevel(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
): Promise<FolderLevel> {
  const level = emptyLevel();
  for await (const page of listFolderPages(client, bucket, prefix, signal)) {
    addPage(level, page, prefix);
  }
  return level;
}

export function emptyLevel(): FolderLevel {
  return { files: [], folders: [], problems: [], empty: true };
}

/** Sorts one listing page into files, folders and problem names. Never throws. */
export function addPage(level: FolderLevel, page: FolderPage, prefix: string): void {
  for (const object of page.objects) {
    const key = object.Key ?? '';
    level.empty = false;
    if (key === prefix) {
      // The folder's own marker. One holding data (a key ending in "/" that another tool
      // wrote bytes to) cannot be copied: a name ending in "/" can only be a folder here.
      const size = object.Size ?? 0;
      if (size > 0)
        level.problems.push({
          name: '',
          key,
          problem: `${size} byte(s) of data under a key ending in "/", which can only be a folder`,
        });
      continue;
    }
    const name = key.slice(prefix.length);
    if (isTemporaryName(name)) continue;
    const problem = unsafeKeyName(name);
    if (problem) level.problems.push({ name, key, problem });
    else
      level.files.push({
        name,
        size: object.Size ?? 0,
        ...(object.ETag !== undefined && { etag: object.ETag }),
        ...(object.LastModified !== undefined && {
          lastModifiedMs: object.LastModified.getTime(),
        }),
      });
  }
  for (const sub of page.prefixes) {
    level.empty = false;
    const name = sub.slice(prefix.length, -1);
    const problem = unsafeKeyName(name);
    if (problem) level.problems.push({ name, key: sub, problem });
    else level.folders.push(name);
  }
}

/** Every object under `prefix` (all levels), a page at a time. Throws as listFolderPages. */
export async function* listAllPages(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  pageSize?: number,
): AsyncGenerator<_Object[]> {
  const chain = new PageChain(prefix);
  let token: string | undefined;
  do {
    const page = await sendBounded(
      client,
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        MaxKeys: pageSize,
      }),
      signal,
    );
    token = chain.next(page);
    yield page.Contents ?? [];
  } while (token);
}

/**
 * Whether any key starts with `prefix` (one small request). Throws SDK errors, and
 * S3AnswerError for an answer that is no listing, too large or too slow.
 */
export async function anyKeyUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
): Promise<boolean> {
  const page = await sendBounded(
    client,
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }),
    signal,
  );
  // An answer that is no listing must not read as "nothing there" (the folder would be
  // taken for missing, or empty).
  if (page.IsTruncated === undefined) {
    const head = answerHead(page);
    throw new S3AnswerError(
      'unknown',
      `the answer to the listing of "${prefix}" is not a ListBucketResult${head ? ` ("${head}")` : ''}: is this an S3 endpoint?`,
    );
  }
  return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}

/** A multipart upload in progress, as ListMultipartUploads gives it. */
export interface UploadInProgress {
  key: string;
  uploadId: string;
  /** When the server says it began (ms since the epoch), if it says. */
  initiatedMs?: number;
}

/**
 * Multipart uploads in progress for keys directly inside `prefix` (with `allLevels`, at every
 * level below it: no delimiter), or null when the server cannot list them (NotImplemented).
 * Throws other SDK errors, and S3AnswerError for answers too large or too slow, or pages that
 * would not end.
 */
export async function listUploadsIn(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  allLevels = false,
): Promise<UploadInProgress[] | null> {
  const found: UploadInProgress[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  const chain = new UploadPageChain(prefix);
  try {
    do {
      const page = await sendBounded(
        client,
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          Delimiter: allLevels ? undefined : '/',
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
        signal,
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId)
          found.push({
            key: upload.Key,
            uploadId: upload.UploadId,
            ...(upload.Initiated && { initiatedMs: upload.Initiated.getTime() }),
          });
      }
      const next = chain.next(page);
      keyMarker = next?.keyMarker;
      uploadIdMarker = next?.uploadIdMarker;
    } while (keyMarker);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotImplemented' || name === 'MethodNotAllowed') return null;
    throw error;
  }
  return found;
}
