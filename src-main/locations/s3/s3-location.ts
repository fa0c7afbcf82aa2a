import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { AppError } from '../../../src-shared/errors';
import type { LocationKind } from '../../../src-shared/model/location-config';
import { cancelledError, isAbortError, throwIfAborted } from '../abort';
import type {
  EntryInfo,
  EntryType,
  HashAlgorithm,
  Location,
  LocationCapabilities,
  MetadataUpdate,
  ReadOptions,
  WriteOptions,
} from '../location';
import { mapBounded } from '../map-bounded';
import { checkReadRange } from '../read-range';
import { assertSafeRelativePath, joinRelative, parentOfRelative } from '../relative-path';
import { isTemporaryName } from '../temp-names';
import { contentTypeFor } from './content-type';
import type { S3Connection } from './s3-client';
import { copyObject } from './s3-copy';
import { mapS3Error } from './s3-errors';
import { S3KeyMap, unsafeKeyName } from './s3-keys';
import { anyKeyUnder, listAllPages, listFolderPages, listUploadsIn } from './s3-listing';
import { fromUserMetadata, mergeUserMetadata, toUserMetadata } from './s3-metadata';
import { isInvalidRange, mappedBody, narrowToRange, rangeHeader } from './s3-read';
import { abortUpload, uploadStream } from './s3-upload';
import { FolderCache } from './folder-cache';
import { Semaphore } from './semaphore';

/** HEAD requests in flight while a listing gathers each object's stored metadata. */
const HEAD_CONCURRENCY = 32;
/** Part buffers one location holds at most across its uploads (8 MiB each by default). */
const PART_BUFFERS = 12;
const PARTS_PER_UPLOAD = 6;
const FOLDER_CONTENT_TYPE = 'application/x-directory';
/** Files from this size on are read as several ranges at once. */
const PARALLEL_READ_MIN_BYTES = 32 * 1024 * 1024;
const READ_RANGE_BYTES = 8 * 1024 * 1024;
const READ_RANGES_IN_FLIGHT = 4;

export interface S3LocationOptions {
  kind: Extract<LocationKind, 's3' | 'object-storage'>;
  connection: S3Connection;
  /** The location's root inside the bucket ('' for the whole bucket). */
  prefix: string;
  /** For messages: "S3 s3://bucket/prefix". */
  description: string;
  /** Storage class for new objects (Amazon S3 only; other servers get their default). */
  storageClass?: StorageClass;
  /**
   * Who the requests are made as, at which endpoint: two locations with the same key can copy
   * server-side between them (the destination's credentials read the source).
   */
  identity: string;
}

/**
 * A bucket and prefix on Amazon S3 or an S3-compatible server, through the AWS SDK v3.
 *
 * Files are objects; folders are key prefixes, with a zero-byte `folder/` marker object that keeps
 * an empty folder and carries its metadata. File metadata (mtime, atime, mode, uid, gid) is kept
 * as user metadata (s3-metadata.ts), read with one HEAD per object. Writes are atomic by nature
 * (a PUT or a completed multipart upload), so no temporary names are used.
 *
 * Every SDK failure becomes an AppError through mapS3Error, naming the bucket, the key and the
 * endpoint.
 */
export class S3Location implements Location {
  readonly kind: Extract<LocationKind, 's3' | 'object-storage'>;
  readonly description: string;
  readonly capabilities: LocationCapabilities = {
    // Times are kept to the microsecond in user metadata; objects without it use LastModified.
    mtimePrecisionMs: 1,
    caseSensitive: true,
    emptyDirectories: true,
    symlinks: false,
    posixMetadata: true,
    storedHashes: ['sha256'],
    shareableAcrossThreads: true,
    // Each request is a round trip: many in flight hide the latency.
    usefulConcurrency: 16,
    objectTags: true,
    // A GET streams one version; ranged reads are pinned to the first range's ETag.
    snapshotReads: true,
  };
  readonly identity: string;
  readonly bucket: string;
  private readonly connection: S3Connection;
  private readonly keys: S3KeyMap;
  private readonly storageClass: StorageClass | undefined;
  /** Sub-folders of the folders this instance listed: spares each write a request. */
  private readonly folders = new FolderCache();
  private readonly partBuffers = new Semaphore(PART_BUFFERS);

  constructor(options: S3LocationOptions) {
    this.kind = options.kind;
    this.connection = options.connection;
    this.bucket = options.connection.bucket;
    this.keys = new S3KeyMap(options.prefix);
    this.description = options.description;
    this.storageClass = options.storageClass;
    this.identity = options.identity;
  }

  /**
   * Checks the bucket answers and the root prefix exists as a folder.
   * Throws: not-found (bucket or prefix), not-dir (the prefix is an object), permission-denied,
   * auth-failed, unavailable, timeout, invalid-config (TLS trust), cancelled.
   */
  async connect(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal, this.description);
    // One ListObjectsV2 rather than HeadBucket: its error answers have a body naming the cause
    // (NoSuchBucket, InvalidAccessKeyId...) where HEAD's have only a status, and it proves the
    // credentials may list, which every walk needs.
    const rootExists = await this.call(signal, 'open location', '', () =>
      anyKeyUnder(this.connection.client, this.bucket, this.keys.rootPrefix, signal),
    );
    if (rootExists || this.keys.rootPrefix === '') return;
    const rootKey = this.keys.rootPrefix.slice(0, -1);
    if (await this.objectExists(rootKey, signal)) {
      throw new AppError('not-dir', `Not a folder: ${this.description} is an object`, {
        key: rootKey,
      });
    }
    throw new AppError('not-found', `Folder not found: ${this.description}`, {
      bucket: this.bucket,
      prefix: this.keys.rootPrefix,
    });
  }

  async close(): Promise<void> {
    // The client is shared by nothing else; destroying it closes its sockets.
    this.connection.client.destroy();
  }

  /** Throws: invalid-name, cancelled, not-found, and the connection's errors. */
  async stat(path: string, signal: AbortSignal): Promise<EntryInfo> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    if (path === '') return this.folderInfo('', signal);
    const head = await this.head(this.keys.objectKey(path), signal);
    if (head) return this.fileInfo(path, head);
    if (await this.call(signal, 'stat', path, () => this.folderExists(path, signal))) {
      return this.folderInfo(path, signal);
    }
    throw this.notFound(path);
  }

  /**
   * One folder level: objects are files, common prefixes folders; markers and interrupted
   * writes' temporaries are left out. Each entry's stored metadata comes from a HEAD (32 in
   * flight). A key whose name could not be a file name anywhere (`a/../b`, `a//b`) is listed as
   * type 'other' with the reason in `problem`, so it is reported and skipped, never followed.
   * Throws: invalid-name, cancelled, not-found, not-dir, and the connection's errors.
   */
  async list(path: string, signal: AbortSignal): Promise<EntryInfo[]> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    const prefix = this.keys.folderPrefix(path);
    const files: { name: string; size: number; lastModified: number }[] = [];
    const folders: string[] = [];
    const odd: EntryInfo[] = [];
    let sawAnything = path === '';
    try {
      for await (const page of listFolderPages(
        this.connection.client,
        this.bucket,
        prefix,
        signal,
      )) {
        for (const object of page.objects) {
          const key = object.Key ?? '';
          sawAnything = true;
          if (key === prefix) continue; // the folder's own marker
          const name = key.slice(prefix.length);
          if (isTemporaryName(name)) continue;
          const problem = unsafeKeyName(name);
          if (problem) {
            odd.push(this.oddEntry(path, name, key, problem));
            continue;
          }
          files.push({
            name,
            size: object.Size ?? 0,
            lastModified: object.LastModified?.getTime() ?? 0,
          });
        }
        for (const sub of page.prefixes) {
          sawAnything = true;
          const name = sub.slice(prefix.length, -1);
          const problem = unsafeKeyName(name);
          if (problem) odd.push(this.oddEntry(path, name, sub, problem));
          else folders.push(name);
        }
      }
    } catch (error) {
      throw this.fail(error, signal, 'list folder', path);
    }
    if (!sawAnything) {
      if (await this.objectExists(this.keys.objectKey(path), signal)) {
        throw new AppError('not-dir', `Not a folder: ${this.where(path)}`, { path });
      }
      throw this.notFound(path);
    }
    this.folders.set(path, folders);
    const folderNames = new Set(folders);
    const entries = await mapBounded(
      [
        ...folders.map((name) => ({ name, type: 'dir' as const })),
        ...files.map((f) => ({ ...f, type: 'file' as const })),
      ],
      HEAD_CONCURRENCY,
      async (item): Promise<EntryInfo | null> => {
        const child = joinRelative(path, item.name);
        if (item.type === 'dir') {
          const marker = await this.head(this.keys.folderPrefix(child), signal);
          return folderEntry(child, marker);
        }
        const head = await this.head(this.keys.objectKey(child), signal);
        if (!head) return null; // deleted since the listing
        const entry = this.fileInfo(child, head);
        // An object and a folder of one name: a file system can hold only one of them.
        if (folderNames.has(item.name)) {
          return {
            ...entry,
            type: 'other',
            problem: `an object and a folder are both named "${item.name}"; only the folder is copied`,
          };
        }
        return entry;
      },
    );
    return [...entries.filter((e): e is EntryInfo => e !== null), ...odd];
  }

  /**
   * A file's bytes, whole or a range (inclusive; past-the-end clamped, S3's 416 is an empty
   * stream). Throws: invalid-name, invalid-input, cancelled, not-found, is-dir, and the
   * connection's errors; failures while streaming reach the stream as AppErrors.
   */
  async read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    assertSafeRelativePath(path);
    checkReadRange(options, this.where(path));
    throwIfAborted(signal, this.where(path));
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
    const key = this.keys.objectKey(path);
    const whole = options.start === undefined && options.end === undefined;
    if (whole && (options.sizeHint ?? 0) >= PARALLEL_READ_MIN_BYTES) {
      return this.readInRanges(path, signal, options.expect);
    }
    try {
      const answer = await this.connection.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: rangeHeader(options.start, options.end),
        }),
        { abortSignal: signal },
      );
      const body = answer.Body as Readable | undefined;
      this.assertExpected(path, options.expect, answer, body);
      if (!body) return emptyStream();
      const mapped = mappedBody(body, signal, this.where(path), (error) =>
        this.fail(error, signal, 'read', path),
      );
      return narrowToRange(mapped, options.start, options.end, answer.ContentRange);
    } catch (error) {
      if (isInvalidRange(error)) return emptyStream();
      const mapped = this.fail(error, signal, 'read', path);
      if (mapped.code === 'not-found' && (await this.folderExists(path, signal).catch(() => false)))
        throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
      throw mapped;
    }
  }

  /**
   * Uploads `data` as one object: a single PUT up to one part (8 MiB), multipart beyond, with
   * metadata, content type, storage class and per-part SHA-256. The object appears only when
   * complete; a failed or cancelled multipart upload is aborted. The parent folder must exist.
   * Throws: invalid-name, cancelled, not-found / not-dir (parent), is-dir, and the connection's
   * errors; and whatever AppError the source stream failed with.
   */
  async write(
    path: string,
    data: Readable,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    try {
      assertSafeRelativePath(path);
      throwIfAborted(signal, this.where(path));
      if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
      await this.assertWritable(path, signal);
    } catch (error) {
      data.destroy();
      throw error instanceof AppError ? error : this.fail(error, signal, 'write', path);
    }
    try {
      return await uploadStream(
        {
          client: this.connection.client,
          bucket: this.bucket,
          key: this.keys.objectKey(path),
          metadata: toUserMetadata(options.metadata ?? {}, 'file'),
          contentType: contentTypeFor(path),
          storageClass: this.storageClass,
          tagging: encodeTags(options.tags),
        },
        data,
        options.size,
        { parts: this.partBuffers, partsPerUpload: PARTS_PER_UPLOAD },
        signal,
        options.onStored,
      );
    } catch (error) {
      throw this.fail(error, signal, 'write', path);
    }
  }

  /**
   * Creates the folder's marker, and its parents' where missing; an existing folder (with or
   * without a marker) is left as it is. Throws: invalid-name, cancelled, not-dir (an object in
   * the way), and the connection's errors.
   */
  async mkdir(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    const segments = path === '' ? [] : path.split('/');
    for (let depth = 0; depth <= segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      const name = segments[depth - 1] ?? '';
      if (folder !== '' && this.folders.get(parentOfRelative(folder))?.has(name)) continue;
      if (folder === '' && this.keys.rootPrefix === '') continue;
      const created = await this.call(signal, 'create folder', folder, async () => {
        if (await this.folderExists(folder, signal)) return false;
        if (folder !== '' && (await this.objectExists(this.keys.objectKey(folder), signal))) {
          throw new AppError('not-dir', `Not a folder: ${this.where(folder)} is a file`, {
            path: folder,
          });
        }
        await this.putMarker(folder, {}, signal);
        return true;
      });
      this.folders.addFolder(folder, created);
    }
  }

  /** Deletes one object. Throws: invalid-name, cancelled, not-found, is-dir, connection errors. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
    const key = this.keys.objectKey(path);
    if (!(await this.objectExists(key, signal))) {
      if (await this.call(signal, 'remove', path, () => this.folderExists(path, signal))) {
        throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
      }
      throw this.notFound(path);
    }
    await this.call(signal, 'remove', path, () =>
      this.connection.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      }),
    );
  }

  /**
   * Removes an empty folder: its marker, and temporaries interrupted writes left in it.
   * Throws: invalid-name, cancelled, not-found, not-dir, dir-not-empty, connection errors.
   */
  async rmdir(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    const prefix = this.keys.folderPrefix(path);
    const removable: string[] = [];
    let any = false;
    await this.call(signal, 'remove folder', path, async () => {
      for await (const page of listAllPages(this.connection.client, this.bucket, prefix, signal)) {
        for (const object of page) {
          const key = object.Key ?? '';
          any = true;
          const rest = key.slice(prefix.length);
          if (rest === '' || (!rest.includes('/') && isTemporaryName(rest))) removable.push(key);
          else
            throw new AppError('dir-not-empty', `Folder not empty: ${this.where(path)}`, { path });
        }
      }
    });
    if (!any) {
      if (path !== '' && (await this.objectExists(this.keys.objectKey(path), signal))) {
        throw new AppError('not-dir', `Not a folder: ${this.where(path)}`, { path });
      }
      throw this.notFound(path);
    }
    for (const key of removable) await this.deleteKey(key, path, signal);
    this.folders.forget(path);
  }

  /**
   * Rewrites an object's (or a folder marker's) user metadata: S3 objects are immutable, so a
   * file is copied onto itself with the new metadata (server-side, no data through us).
   * Throws: invalid-name, cancelled, not-found, connection errors.
   */
  async setMetadata(path: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    if (path !== '') {
      const key = this.keys.objectKey(path);
      const head = await this.head(key, signal);
      if (head) {
        await this.call(signal, 'set metadata', path, () =>
          copyObject(
            this.connection.client,
            { bucket: this.bucket, key, size: head.ContentLength ?? 0 },
            {
              bucket: this.bucket,
              key,
              metadata: mergeUserMetadata(head.Metadata, metadata, 'file'),
              contentType: head.ContentType ?? contentTypeFor(path),
              storageClass: head.StorageClass as StorageClass | undefined,
              // The same object, rewritten: its tags stay (every server copies its own).
              keepTags: true,
            },
            async () => undefined,
            signal,
          ),
        );
        return;
      }
    }
    const marker = this.keys.markerKey(path);
    if (marker === null) return; // the bucket root keeps no metadata
    const existing = await this.head(marker, signal);
    if (
      !existing &&
      !(await this.call(signal, 'stat', path, () => this.folderExists(path, signal)))
    )
      throw this.notFound(path);
    await this.call(signal, 'set metadata', path, () =>
      this.putMarker(path, mergeUserMetadata(existing?.Metadata, metadata, 'dir'), signal),
    );
  }

  /**
   * The object's SHA-256 as the server keeps it (a whole-object checksum: single-PUT objects),
   * in hex; null for other algorithms, multipart objects, and servers that keep none.
   * Throws: invalid-name, cancelled, not-found, connection errors.
   */
  async storedHash(
    path: string,
    algorithm: HashAlgorithm,
    signal: AbortSignal,
  ): Promise<string | null> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    if (algorithm !== 'sha256') return null;
    const head = await this.head(this.keys.objectKey(path), signal, true);
    if (!head) throw this.notFound(path);
    const checksum = head.ChecksumSHA256;
    // "abc==-3" is a checksum of the parts' checksums, not of the content.
    if (!checksum || checksum.includes('-') || head.ChecksumType === 'COMPOSITE') return null;
    return Buffer.from(checksum, 'base64').toString('hex');
  }

  /**
   * Removes what interrupted writes left in one folder: multipart uploads in progress for keys
   * directly in it (aborted: their parts cost storage), and temporary-named objects.
   * Throws: invalid-name, cancelled, not-found, connection errors.
   */
  async removeTemporaries(folder: string, signal: AbortSignal): Promise<number> {
    assertSafeRelativePath(folder);
    throwIfAborted(signal, this.where(folder));
    const prefix = this.keys.folderPrefix(folder);
    if (
      folder !== '' &&
      !(await this.call(signal, 'clean up', folder, () => this.folderExists(folder, signal)))
    ) {
      throw this.notFound(folder);
    }
    let removed = 0;
    await this.call(signal, 'clean up', folder, async () => {
      const uploads =
        (await listUploadsIn(this.connection.client, this.bucket, prefix, signal)) ?? [];
      for (const upload of uploads) {
        if (upload.key.slice(prefix.length).includes('/')) continue;
        await abortUpload(this.connection.client, this.bucket, upload.key, upload.uploadId);
        removed++;
      }
      for await (const page of listFolderPages(
        this.connection.client,
        this.bucket,
        prefix,
        signal,
      )) {
        for (const object of page.objects) {
          const key = object.Key ?? '';
          if (isTemporaryName(key.slice(prefix.length))) {
            await this.deleteKey(key, folder, signal);
            removed++;
          }
        }
      }
    });
    return removed;
  }

  /**
   * Server-side copy from another bucket or prefix reached with the same identity (same
   * endpoint, same credentials): CopyObject, or UploadPartCopy for large objects, with the
   * metadata replaced and tags copied as asked. Null for any other source (the engine streams).
   * Throws as write does.
   */
  async copyFrom(
    source: Location,
    path: string,
    options: WriteOptions & { alongside(): Promise<void> },
    signal: AbortSignal,
  ): Promise<number | null> {
    if (!(source instanceof S3Location) || source.identity !== this.identity) return null;
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    const sourceKey = source.keys.objectKey(path);
    const head = await source.head(sourceKey, signal);
    if (!head) throw source.notFound(path);
    await this.assertWritable(path, signal);
    const size = head.ContentLength ?? 0;
    await this.call(signal, 'copy', path, () =>
      copyObject(
        this.connection.client,
        { bucket: source.bucket, key: sourceKey, size },
        {
          bucket: this.bucket,
          key: this.keys.objectKey(path),
          metadata: toUserMetadata(options.metadata ?? {}, 'file'),
          contentType: head.ContentType ?? contentTypeFor(path),
          storageClass: this.storageClass,
          tagging: encodeTags(options.tags),
        },
        options.alongside,
        signal,
      ),
    );
    return size;
  }

  /**
   * The object's tags ({} where the server has no tagging).
   * Throws: invalid-name, cancelled, not-found, connection errors.
   */
  async tags(path: string, signal: AbortSignal): Promise<Record<string, string>> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    const answer = await this.call(signal, 'read tags', path, async () => {
      try {
        return await this.connection.client.send(
          new GetObjectTaggingCommand({ Bucket: this.bucket, Key: this.keys.objectKey(path) }),
          { abortSignal: signal },
        );
      } catch (error) {
        // Servers without tagging have no tags to keep: that is not a reason to fail a copy.
        const name = (error as { name?: string }).name;
        if (name === 'NotImplemented' || name === 'MethodNotAllowed') return { TagSet: [] };
        throw error;
      }
    });
    return Object.fromEntries((answer.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  }

  /** Object stores have no symbolic links. Throws: invalid-name, cancelled, not-supported. */
  async symlink(path: string, _target: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    throw new AppError(
      'not-supported',
      `Object storage cannot hold symbolic links: ${this.where(path)}`,
      { path },
    );
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * The GET answered the version the caller planned (size and mtime), else changed-during-
   * transfer (the body is released).
   */
  private assertExpected(
    path: string,
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
    if (total === expect.size && Math.abs(mtimeMs - expect.mtimeMs) < 1) return;
    body?.destroy();
    throw new AppError(
      'changed-during-transfer',
      `Source file changed since it was listed: ${this.where(path)} (size ${expect.size} -> ${total})`,
      { path },
    );
  }

  /**
   * A large object read as several ranged GETs at once (one stream is limited by one connection
   * and one server thread), delivered in order. Every range after the first must match the first
   * one's ETag, so a file replaced meanwhile fails (changed-during-transfer) instead of mixing
   * two versions. Throws as read does.
   */
  private async readInRanges(
    path: string,
    signal: AbortSignal,
    expect: ReadOptions['expect'],
  ): Promise<Readable> {
    const key = this.keys.objectKey(path);
    const stop = new AbortController();
    const requestSignal = AbortSignal.any([signal, stop.signal]);
    const fetchRange = async (
      first: number,
      etag?: string,
    ): Promise<{ data: Buffer; total: number; etag?: string; answer: GetObjectCommandOutput }> => {
      const answer = await this.connection.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: `bytes=${first}-${first + READ_RANGE_BYTES - 1}`,
          IfMatch: etag,
        }),
        { abortSignal: requestSignal },
      );
      // Checked here too: not every server honours If-Match on GET.
      if (etag !== undefined && answer.ETag !== undefined && answer.ETag !== etag) {
        answer.Body?.transformToByteArray().catch(() => undefined);
        throw new AppError(
          'changed-during-transfer',
          `The object changed while it was read: ${this.where(path)}`,
          { path },
        );
      }
      const data = Buffer.from((await answer.Body?.transformToByteArray()) ?? new Uint8Array(0));
      const total = Number(/\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1] ?? data.length);
      // A server that ignored the range sent everything from byte 0.
      const sliced = answer.ContentRange === undefined ? data.subarray(first) : data;
      return { data: sliced.subarray(0, READ_RANGE_BYTES), total, etag: answer.ETag, answer };
    };
    let head: { data: Buffer; total: number; etag?: string; answer: GetObjectCommandOutput };
    try {
      head = await fetchRange(0);
    } catch (error) {
      if (isInvalidRange(error)) return emptyStream();
      const mapped = this.fail(error, signal, 'read', path);
      if (mapped.code === 'not-found' && (await this.folderExists(path, signal).catch(() => false)))
        throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
      throw mapped;
    }
    this.assertExpected(path, expect, head.answer);
    const fail = (error: unknown): AppError => this.fail(error, signal, 'read', path);
    // Ranges ahead of the reader: at most READ_RANGES_IN_FLIGHT, requested only as the reader
    // takes data (read() is called when the buffer runs low), so memory stays bounded.
    const pending: Promise<{ data: Buffer }>[] = [];
    let next = head.data.length;
    let headSent = false;
    const fill = (): void => {
      while (pending.length < READ_RANGES_IN_FLIGHT && next < head.total) {
        const range = fetchRange(next, head.etag);
        range.catch(() => undefined); // surfaced when its turn comes
        pending.push(range);
        next += READ_RANGE_BYTES;
      }
    };
    return new Readable({
      highWaterMark: READ_RANGE_BYTES,
      read() {
        if (!headSent) {
          headSent = true;
          fill();
          this.push(head.data);
          if (pending.length === 0) this.push(null);
          return;
        }
        const range = pending.shift();
        if (!range) {
          this.push(null);
          return;
        }
        range.then(
          ({ data }) => {
            fill();
            this.push(data);
            if (pending.length === 0 && next >= head.total) this.push(null);
          },
          (error: unknown) => this.destroy(fail(error)),
        );
      },
      destroy(error, callback) {
        stop.abort(); // the reader stopped early, or failed: cancel what is still in flight
        callback(error);
      },
    });
  }

  /** "S3 s3://bucket/prefix/path" for messages. */
  private where(path: string): string {
    return path === '' ? this.description : `${this.description}/${path}`;
  }

  private notFound(path: string): AppError {
    return new AppError('not-found', `Not found: ${this.where(path)}`, { path });
  }

  private fail(error: unknown, signal: AbortSignal, operation: string, path?: string): AppError {
    if (error instanceof AppError) return error;
    if (signal.aborted || isAbortError(error)) return cancelledError(this.where(path ?? ''));
    return mapS3Error(error, {
      operation,
      bucket: this.bucket,
      key: path === undefined ? undefined : this.keys.objectKey(path),
      endpointLabel: this.connection.endpointLabel,
    });
  }

  /** Runs SDK calls, mapping what they throw. */
  private async call<T>(
    signal: AbortSignal,
    operation: string,
    path: string,
    body: () => Promise<T>,
  ): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw this.fail(error, signal, operation, path);
    }
  }

  /** HEAD an object; null when it does not exist. Throws mapped errors. */
  private async head(
    key: string,
    signal: AbortSignal,
    checksums = false,
  ): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.connection.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ChecksumMode: checksums ? 'ENABLED' : undefined,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404 && !signal.aborted) return null;
      throw this.fail(error, signal, 'stat', key.slice(this.keys.rootPrefix.length));
    }
  }

  private async objectExists(key: string, signal: AbortSignal): Promise<boolean> {
    return (await this.head(key, signal)) !== null;
  }

  /** A folder exists when its marker or any key under it does. Throws SDK errors. */
  private async folderExists(path: string, signal: AbortSignal): Promise<boolean> {
    if (path === '' && this.keys.rootPrefix === '') return true;
    return anyKeyUnder(this.connection.client, this.bucket, this.keys.folderPrefix(path), signal);
  }

  /**
   * A file may be written at `path`: its parent folder exists (else not-found, or not-dir when
   * it is a file) and no folder has its name (is-dir). Answered from the folder cache, which one
   * listing of the parent fills.
   */
  private async assertWritable(path: string, signal: AbortSignal): Promise<void> {
    const parent = parentOfRelative(path);
    const siblings = await this.subfolders(parent, signal);
    if (siblings.has(path.slice(parent === '' ? 0 : parent.length + 1))) {
      throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, { path });
    }
  }

  /** A folder's sub-folder names, from the cache or one delimiter listing. */
  private async subfolders(folder: string, signal: AbortSignal): Promise<Set<string>> {
    const cached = this.folders.get(folder);
    if (cached) return cached;
    const prefix = this.keys.folderPrefix(folder);
    const names: string[] = [];
    let exists = folder === '';
    await this.call(signal, 'open folder', folder, async () => {
      for await (const page of listFolderPages(
        this.connection.client,
        this.bucket,
        prefix,
        signal,
      )) {
        if (page.objects.length > 0) exists = true;
        for (const sub of page.prefixes) {
          exists = true;
          names.push(sub.slice(prefix.length, -1));
        }
      }
    });
    if (!exists) {
      if (await this.objectExists(this.keys.objectKey(folder), signal)) {
        throw new AppError('not-dir', `Not a folder: ${this.where(folder)}`, { path: folder });
      }
      throw new AppError('not-found', `Folder not found: ${this.where(folder)}`, { path: folder });
    }
    this.folders.set(folder, names);
    return this.folders.get(folder) as Set<string>;
  }

  private async putMarker(
    path: string,
    metadata: Record<string, string>,
    signal: AbortSignal,
  ): Promise<void> {
    const key = this.keys.markerKey(path);
    if (key === null) return;
    await this.connection.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: new Uint8Array(0),
        ContentLength: 0,
        ContentType: FOLDER_CONTENT_TYPE,
        Metadata: metadata,
      }),
      { abortSignal: signal },
    );
  }

  private async deleteKey(key: string, path: string, signal: AbortSignal): Promise<void> {
    await this.call(signal, 'remove', path, () =>
      this.connection.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      }),
    );
  }

  private fileInfo(path: string, head: HeadObjectCommandOutput): EntryInfo {
    const stored = fromUserMetadata(head.Metadata);
    return {
      path,
      type: 'file',
      size: head.ContentLength ?? 0,
      mtimeMs: stored.mtimeMs ?? head.LastModified?.getTime() ?? 0,
      ...(stored.atimeMs !== undefined && { atimeMs: stored.atimeMs }),
      ...(stored.mode !== undefined && { mode: stored.mode }),
      ...(stored.uid !== undefined && { uid: stored.uid }),
      ...(stored.gid !== undefined && { gid: stored.gid }),
    };
  }

  private async folderInfo(path: string, signal: AbortSignal): Promise<EntryInfo> {
    const marker = this.keys.markerKey(path);
    return folderEntry(path, marker === null ? null : await this.head(marker, signal));
  }

  private oddEntry(folder: string, name: string, key: string, problem: string): EntryInfo {
    return {
      // A name that cannot be a path segment keeps a printable, inert stand-in for reports.
      path: joinRelative(folder, JSON.stringify(name)),
      type: 'other',
      size: 0,
      mtimeMs: 0,
      problem: `object key "${key}" cannot be a file name: it has ${problem}`,
    };
  }
}

function folderEntry(path: string, marker: HeadObjectCommandOutput | null): EntryInfo {
  const stored = fromUserMetadata(marker?.Metadata);
  return {
    path,
    type: 'dir' as EntryType,
    size: 0,
    mtimeMs: stored.mtimeMs ?? marker?.LastModified?.getTime() ?? 0,
    ...(stored.atimeMs !== undefined && { atimeMs: stored.atimeMs }),
    ...(stored.mode !== undefined && { mode: stored.mode }),
    ...(stored.uid !== undefined && { uid: stored.uid }),
    ...(stored.gid !== undefined && { gid: stored.gid }),
  };
}

function encodeTags(tags: Record<string, string> | undefined): string | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined;
  return new URLSearchParams(tags).toString();
}

function emptyStream(): Readable {
  return Readable.from([]);
}
