import {
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { isTemporaryName } from '../temp-names';
import { unsafeKeyName } from './s3-keys';

/*
 * ListObjectsV2, page by page. Delimiter listings (one folder level) serve list() and the file
 * browser; flat listings (everything under a prefix) serve emptiness checks and cleanup.
 */

export interface FolderPage {
  objects: _Object[];
  /** Sub-folder prefixes, each ending with '/'. */
  prefixes: string[];
}

/** One folder level under `prefix`, a page at a time (1,000 keys per page). Throws SDK errors. */
export async function* listFolderPages(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
): AsyncGenerator<FolderPage> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: '/',
        ContinuationToken: token,
      }),
      { abortSignal: signal },
    );
    yield {
      objects: page.Contents ?? [],
      prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter((p) => p !== ''),
    };
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export interface FolderLevel {
  /** Names of the objects directly in the folder (markers and temporaries left out). */
  files: string[];
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
  const level: FolderLevel = { files: [], folders: [], problems: [], empty: true };
  for await (const page of listFolderPages(client, bucket, prefix, signal)) {
    for (const object of page.objects) {
      const key = object.Key ?? '';
      level.empty = false;
      if (key === prefix) continue; // the folder's own marker
      const name = key.slice(prefix.length);
      if (isTemporaryName(name)) continue;
      const problem = unsafeKeyName(name);
      if (problem) level.problems.push({ name, key, problem });
      else level.files.push(name);
    }
    for (const sub of page.prefixes) {
      level.empty = false;
      const name = sub.slice(prefix.length, -1);
      const problem = unsafeKeyName(name);
      if (problem) level.problems.push({ name, key: sub, problem });
      else level.folders.push(name);
    }
  }
  return level;
}

/** Every object under `prefix` (all levels), a page at a time. Throws SDK errors. */
export async function* listAllPages(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
  pageSize?: number,
): AsyncGenerator<_Object[]> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        MaxKeys: pageSize,
      }),
      { abortSignal: signal },
    );
    yield page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Whether any key starts with `prefix` (one small request). Throws SDK errors. */
export async function anyKeyUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
): Promise<boolean> {
  const page = await client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }),
    { abortSignal: signal },
  );
  return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}

/**
 * Multipart uploads in progress for keys directly inside `prefix`, or null when the server cannot
 * list them (NotImplemented). Throws other SDK errors.
 */
export async function listUploadsIn(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal: AbortSignal,
): Promise<{ key: string; uploadId: string }[] | null> {
  const found: { key: string; uploadId: string }[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          Delimiter: '/',
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
        { abortSignal: signal },
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId)
          found.push({ key: upload.Key, uploadId: upload.UploadId });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotImplemented' || name === 'MethodNotAllowed') return null;
    throw error;
  }
  return found;
}
