import { Readable } from 'node:stream';
import { GetObjectTaggingCommand, type StorageClass } from '@aws-sdk/client-s3';
import { AppError } from '../../../src-shared/errors';
import type { LocationKind } from '../../../src-shared/model/location-config';
import { throwIfAborted } from '../abort';
import type {
  EntryInfo,
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
import { S3KeyMap } from './s3-keys';
import {
  addPage,
  anyKeyUnder,
  emptyLevel,
  listAllPages,
  listFolderPages,
  listLevel,
  listUploadsIn,
  type FolderLevel,
} from './s3-listing';
import { entryFromHead, entryFromListing, problemEntry } from './s3-entries';
import {
  fromUserMetadata,
  mergeUserMetadata,
  sameUserMetadata,
  toUserMetadata,
  type MetadataKeys,
} from './s3-metadata';
import { getObject, type GetTarget } from './s3-get';
import {
  abortUpload,
  DEFAULT_PART_SIZE,
  putWhole,
  uploadStream,
  type UploadTarget,
} from './s3-upload';
import { FolderCache } from './folder-cache';
import { S3Bucket } from './s3-bucket';
import { Semaphore } from './semaphore';
import { WrittenIndex } from './written-index';

/** HEAD requests in flight: folder markers of a listing, and loadMetadata's. */
const HEAD_CONCURRENCY = 32;
/** Part buffers one location holds at most across its uploads (8 MiB each by default). */
const PART_BUFFERS = 12;
const PARTS_PER_UPLOAD = 6;

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
  /** What DataFerry wrote to this bucket (written-index.ts): spares HEADs. None when absent. */
  index?: WrittenIndex;
  /**
   * The user-metadata conventions written (s3-metadata.ts): rclone's keys, DataSync's
   * (`file-mtime`...), or both (the default). Both are always read.
   */
  metadataKeys?: MetadataKeys;
}

/**
 * A bucket and prefix on Amazon S3 or an S3-compatible server, through the AWS SDK v3.
 *
 * Files are objects; folders are key prefixes, with a zero-byte `folder/` marker object that keeps
 * an empty folder and carries its metadata. File metadata (mtime, atime, mode, uid, gid) is kept
 * as user metadata (s3-metadata.ts): listings answer size, ETag and LastModified, and the stored
 * metadata is read only when asked (loadMetadata: a HEAD) or with the bytes (the GET's headers,
 * see read). Writes are atomic by nature
 * (a PUT or a completed multipart upload), so no temporary names are used.
 *
 * Every SDK failure becomes an AppError through mapS3Error, naming the bucket, the key and the
 * endpoint.
 */
export class S3Location implements Location {
  readonly kind: Extract<LocationKind, 's3' | 'object-storage'>;
  readonly description: string;
  readonly capabilities: LocationCapabilities = {
    // Times are kept to the nanosecond in user metadata; objects without it use LastModified.
    mtimePrecisionMs: 1,
    caseSensitive: true,
    emptyDirectories: true,
    symlinks: false,
    posixMetadata: true,
    storedHashes: ['sha256'],
    shareableAcrossThreads: true,
    // Each request is a round trip: many in flight hide the latency.
    usefulConcurrency: 16,
    usefulThreads: 1,
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
  /** HEADs in flight for loadMetadata, across all callers. */
  private readonly heads = new Semaphore(HEAD_CONCURRENCY);
  /** Requests on the bucket, with their errors mapped. */
  private readonly s3: S3Bucket;
  private readonly index: WrittenIndex;
  private readonly metadataKeys: MetadataKeys;

  constructor(options: S3LocationOptions) {
    this.kind = options.kind;
    this.connection = options.connection;
    this.bucket = options.connection.bucket;
    this.keys = new S3KeyMap(options.prefix);
    this.description = options.description;
    this.storageClass = options.storageClass;
    this.identity = options.identity;
    this.s3 = new S3Bucket(this.connection, this.keys, this.description);
    this.index = options.index ?? WrittenIndex.in(null, '');
    this.metadataKeys = options.metadataKeys ?? 'both';
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
    const rootExists = await this.s3.call(signal, 'open location', '', () =>
      anyKeyUnder(this.connection.client, this.bucket, this.keys.rootPrefix, signal),
    );
    if (rootExists || this.keys.rootPrefix === '') return;
    const rootKey = this.keys.rootPrefix.slice(0, -1);
    if (await this.s3.objectExists(rootKey, signal)) {
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
    throwIfAborted(signal, this.s3.where(path));
    if (path === '') return this.folderInfo('', signal);
    const head = await this.s3.head(this.keys.objectKey(path), signal);
    if (head) return entryFromHead('file', path, head);
    if (await this.s3.call(signal, 'stat', path, () => this.s3.folderExists(path, signal))) {
      return this.folderInfo(path, signal);
    }
    throw this.s3.notFound(path);
  }

  /**
   * One folder level: objects are files, common prefixes folders; markers and interrupted
   * writes' temporaries are left out. Files are what the listing says (size, ETag, LastModified),
   * pending (metadataPending) until loadMetadata HEADs them; folders' markers are HEADed (32 in
   * flight). A key whose name could not be a file name anywhere (`a/../b`, `a//b`) is listed as
   * type 'other' with the reason in `problem`, so it is reported and skipped, never followed.
   * Throws: invalid-name, cancelled, not-found, not-dir, and the connection's errors.
   */
  async list(path: string, signal: AbortSignal): Promise<EntryInfo[]> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.s3.where(path));
    let level: FolderLevel;
    try {
      level = await listLevel(
        this.connection.client,
        this.bucket,
        this.keys.folderPrefix(path),
        signal,
      );
    } catch (error) {
      throw this.s3.fail(error, signal, 'list folder', path);
    }
    const { files, folders } = level;
    const odd = level.problems.map((p) => problemEntry(path, p.name, p.key, p.problem));
    if (level.empty && path !== '') {
      if (await this.s3.objectExists(this.keys.objectKey(path), signal)) {
        throw new AppError('not-dir', `Not a folder: ${this.s3.where(path)}`, { path });
      }
      throw this.s3.notFound(path);
    }
    this.folders.set(path, folders);
    const folderNames = new Set(folders);
    // Folders are few: their markers' metadata is read now. Files come from the listing alone.
    const dirs = await mapBounded(folders, HEAD_CONCURRENCY, async (name) => {
      const child = joinRelative(path, name);
      return entryFromHead('dir', child, await this.s3.head(this.keys.folderPrefix(child), signal));
    });
    const fileEntries = files.map((listed): EntryInfo => {
      const child = joinRelative(path, listed.name);
      const entry = entryFromListing(
        child,
        listed,
        this.index.lookup(this.keys.objectKey(child), listed),
      );
      // An object and a folder of one name: a file system can hold only one of them.
      if (!folderNames.has(listed.name)) return entry;
      const { metadataPending: _pending, ...settled } = entry;
      return {
        ...settled,
        type: 'other',
        problem: `an object and a folder are both named "${listed.name}"; only the folder is copied`,
      };
    });
    return [...dirs, ...fileEntries, ...odd];
  }

  /**
   * Up to `pages` listing pages of one folder level from `cursor`, for the file browser: files
   * from the listing alone (pending), folders without their markers' metadata, no request per
   * entry. Throws: invalid-name, cancelled, not-found / not-dir (first page), connection errors.
   */
  async listPage(
    path: string,
    cursor: string | undefined,
    pages: number,
    signal: AbortSignal,
  ): Promise<{ entries: EntryInfo[]; next?: string }> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.s3.where(path));
    const prefix = this.keys.folderPrefix(path);
    const level = emptyLevel();
    let next: string | undefined;
    let read = 0;
    try {
      for await (const page of listFolderPages(
        this.connection.client,
        this.bucket,
        prefix,
        signal,
        cursor,
      )) {
        addPage(level, page, prefix);
        next = page.next;
        if (++read >= pages) break;
      }
    } catch (error) {
      throw this.s3.fail(error, signal, 'list folder', path);
    }
    if (cursor === undefined && level.empty && path !== '') {
      if (await this.s3.objectExists(this.keys.objectKey(path), signal)) {
        throw new AppError('not-dir', `Not a folder: ${this.s3.where(path)}`, { path });
      }
      throw this.s3.notFound(path);
    }
    const entries: EntryInfo[] = [
      ...level.folders.map((name): EntryInfo => ({
        path: joinRelative(path, name),
        type: 'dir',
        size: 0,
        // The browser lists no markers: a folder's time is not known here.
        mtimeMs: 0,
        mtimeUnknown: true,
      })),
      ...level.files.map((listed) => {
        const child = joinRelative(path, listed.name);
        return entryFromListing(
          child,
          listed,
          this.index.lookup(this.keys.objectKey(child), listed),
        );
      }),
      ...level.problems.map((p) => problemEntry(path, p.name, p.key, p.problem)),
    ];
    return next === undefined ? { entries } : { entries, next };
  }

  /**
   * A listed file's stored metadata: one HEAD (at most HEAD_CONCURRENCY in flight per location),
   * or null when the object is gone since the listing. Throws cancelled and connection errors.
   */
  async loadMetadata(entry: EntryInfo, signal: AbortSignal): Promise<EntryInfo | null> {
    if (!entry.metadataPending) return entry;
    await this.heads.acquire(signal);
    try {
      const key = this.keys.objectKey(entry.path);
      const head = await this.s3.head(key, signal);
      if (!head) return null;
      if (head.ETag && head.LastModified) {
        this.index.saw(
          key,
          head.ETag,
          head.ContentLength ?? 0,
          head.LastModified.getTime(),
          fromUserMetadata(head.Metadata),
        );
      }
      return entryFromHead('file', entry.path, head);
    } finally {
      this.heads.release();
    }
  }

  /**
   * A file's bytes, whole or a range (inclusive; past-the-end clamped, S3's 416 is an empty
   * stream). Throws: invalid-name, invalid-input, cancelled, not-found, is-dir, and the
   * connection's errors; failures while streaming reach the stream as AppErrors.
   */
  async read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    assertSafeRelativePath(path);
    checkReadRange(options, this.s3.where(path));
    throwIfAborted(signal, this.s3.where(path));
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.s3.where(path)}`, { path });
    const target: GetTarget = {
      client: this.connection.client,
      bucket: this.bucket,
      key: this.keys.objectKey(path),
      what: this.s3.where(path),
      fail: (error) => this.s3.fail(error, signal, 'read', path),
    };
    try {
      return await getObject(target, options, signal);
    } catch (error) {
      const mapped = this.s3.fail(error, signal, 'read', path);
      if (
        mapped.code === 'not-found' &&
        (await this.s3.folderExists(path, signal).catch(() => false))
      )
        throw new AppError('is-dir', `Is a folder: ${this.s3.where(path)}`, { path });
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
      await this.assertWritableFile(path, signal);
    } catch (error) {
      data.destroy();
      throw error;
    }
    return this.upload(path, options, signal, (target) =>
      uploadStream(
        target,
        data,
        options.size,
        { parts: this.partBuffers, partsPerUpload: PARTS_PER_UPLOAD },
        signal,
        options.onStored,
      ),
    );
  }

  /**
   * `write` for bytes in memory: one PUT when they fit one part (no stream, no part buffer),
   * else as `write`. Throws as `write` does.
   */
  async writeWhole(
    path: string,
    data: Uint8Array,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    const body = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.length);
    if (body.length > DEFAULT_PART_SIZE)
      return this.write(path, Readable.from([body], { objectMode: false }), options, signal);
    await this.assertWritableFile(path, signal);
    return this.upload(path, options, signal, (target) =>
      putWhole(target, body, signal, options.onStored),
    );
  }

  /** The checks before a write: a safe path, not the root, not a folder, the parent exists. */
  private async assertWritableFile(path: string, signal: AbortSignal): Promise<void> {
    try {
      assertSafeRelativePath(path);
      throwIfAborted(signal, this.s3.where(path));
      if (path === '')
        throw new AppError('is-dir', `Is a folder: ${this.s3.where(path)}`, { path });
      await this.assertWritable(path, signal);
    } catch (error) {
      throw error instanceof AppError ? error : this.s3.fail(error, signal, 'write', path);
    }
  }

  /** Runs an upload of `path` with its metadata and records what was written (written-index). */
  private async upload(
    path: string,
    options: WriteOptions,
    signal: AbortSignal,
    send: (target: UploadTarget) => Promise<number>,
  ): Promise<number> {
    const key = this.keys.objectKey(path);
    const metadata = toUserMetadata(options.metadata ?? {}, 'file', this.metadataKeys);
    const started = Date.now();
    let etag: string | undefined;
    try {
      const bytes = await send({
        client: this.connection.client,
        bucket: this.bucket,
        key,
        metadata,
        onETag: (tag) => void (etag = tag),
        contentType: contentTypeFor(path),
        storageClass: this.storageClass,
        tagging: encodeTags(options.tags),
      });
      if (etag) this.index.wrote(key, etag, bytes, started, fromUserMetadata(metadata));
      return bytes;
    } catch (error) {
      throw this.s3.fail(error, signal, 'write', path);
    }
  }

  /**
   * Creates the folder's marker, and its parents' where missing; an existing folder (with or
   * without a marker) is left as it is. Throws: invalid-name, cancelled, not-dir (an object in
   * the way), and the connection's errors.
   */
  async mkdir(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.s3.where(path));
    const segments = path === '' ? [] : path.split('/');
    for (let depth = 0; depth <= segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      const name = segments[depth - 1] ?? '';
      if (folder !== '' && this.folders.get(parentOfRelative(folder))?.has(name)) continue;
      if (folder === '' && this.keys.rootPrefix === '') continue;
      const created = await this.s3.call(signal, 'create folder', folder, async () => {
        if (await this.s3.folderExists(folder, signal)) return false;
        if (folder !== '' && (await this.s3.objectExists(this.keys.objectKey(folder), signal))) {
          throw new AppError('not-dir', `Not a folder: ${this.s3.where(folder)} is a file`, {
            path: folder,
          });
        }
        await this.s3.putMarker(folder, {}, signal);
        return true;
      });
      this.folders.addFolder(folder, created);
    }
  }

  /** Deletes one object. Throws: invalid-name, cancelled, not-found, is-dir, connection errors. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.s3.where(path));
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.s3.where(path)}`, { path });
    const key = this.keys.objectKey(path);
    if (!(await this.s3.objectExists(key, signal))) {
      if (await this.s3.call(signal, 'remove', path, () => this.s3.folderExists(path, signal))) {
        throw new AppError('is-dir', `Is a folder: ${this.s3.where(path)}`, { path });
      }
      throw this.s3.notFound(path);
    }
    await this.s3.deleteKey(key, path, signal);
  }

  /**
   * Removes an empty folder: its marker, and temporaries interrupted writes left in it.
   * Throws: invalid-name, cancelled, not-found, not-dir, dir-not-empty, connection errors.
   */
  async rmdir(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.s3.where(path));
    const prefix = this.keys.folderPrefix(path);
    const removable: string[] = [];
    let any = false;
    await this.s3.call(signal, 'remove folder', path, async () => {
      for await (const page of listAllPages(this.connection.client, this.bucket, prefix, signal)) {
        for (const object of page) {
          const key = object.Key ?? '';
          any = true;
          const rest = key.slice(prefix.length);
          if (rest === '' || (!rest.includes('/') && isTemporaryName(rest))) removable.push(key);
          else
            throw new AppError('dir-not-empty', `Folder not empty: ${this.s3.where(path)}`, {
              path,
            });
        }
      }
    });
    if (!any) {
      if (path !== '' && (await this.s3.objectExists(this.keys.objectKey(path), signal))) {
        throw new AppError('not-dir', `Not a folder: ${this.s3.where(path)}`, { path });
      }
      throw this.s3.notFound(path);
    }
    for (const key of removable) await this.s3.deleteKey(key, path, signal);
    this.folders.forget(path);
  }

  /**
   * Rewrites an object's (or a folder marker's) user metadata: S3 objects are immutable, so a
   * file is copied onto itself with the new metadata (server-side, no data through us). Nothing
   * is written when the metadata would not change, and a folder without a marker (keys another
   * tool wrote) gets none: DataFerry adds markers only to the folders it creates (mkdir).
   * Throws: invalid-name, cancelled, not-found, connection errors.
   */
  async setMetadata(path: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.s3.where(path));
    if (path !== '') {
      const key = this.keys.objectKey(path);
      const head = await this.s3.head(key, signal);
      if (head) {
        const merged = mergeUserMetadata(head.Metadata, metadata, 'file', this.metadataKeys);
        if (sameUserMetadata(merged, head.Metadata)) return;
        await this.s3.call(signal, 'set metadata', path, () =>
          copyObject(
            this.connection.client,
            { bucket: this.bucket, key, size: head.ContentLength ?? 0 },
            {
              bucket: this.bucket,
              key,
              metadata: merged,
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
    const existing = await this.s3.head(marker, signal);
    if (!existing) {
      if (!(await this.s3.call(signal, 'stat', path, () => this.s3.folderExists(path, signal))))
        throw this.s3.notFound(path);
      return;
    }
    const merged = mergeUserMetadata(existing.Metadata, metadata, 'dir', this.metadataKeys);
    if (sameUserMetadata(merged, existing.Metadata)) return;
    await this.s3.call(signal, 'set metadata', path, () => this.s3.putMarker(path, merged, signal));
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
    throwIfAborted(signal, this.s3.where(path));
    if (algorithm !== 'sha256') return null;
    const head = await this.s3.head(this.keys.objectKey(path), signal, true);
    if (!head) throw this.s3.notFound(path);
    const checksum = head.ChecksumSHA256;
    // "abc==-3" is a checksum of the parts' checksums, not of the content.
    if (!checksum || checksum.includes('-') || head.ChecksumType === 'COMPOSITE') return null;
    return Buffer.from(checksum, 'base64').toString('hex');
  }

  /**
   * Aborts the multipart uploads in progress under the location's root, every level at once (one
   * ListMultipartUploads without a delimiter, paged), that `isOurs` accepts; resolves with their
   * relative paths. [] where the server cannot list uploads. A key no path can carry is left.
   * Throws: cancelled, connection errors.
   */
  async abortInterruptedUploads(
    isOurs: (path: string, initiatedMs: number | undefined) => boolean,
    signal: AbortSignal,
  ): Promise<string[]> {
    throwIfAborted(signal, this.s3.where(''));
    const root = this.keys.rootPrefix;
    return this.s3.call(signal, 'clean up', '', async () => {
      const uploads =
        (await listUploadsIn(this.connection.client, this.bucket, root, signal, true)) ?? [];
      const aborted: string[] = [];
      for (const upload of uploads) {
        const path = upload.key.slice(root.length);
        if (!upload.key.startsWith(root) || !carriesPath(path)) continue;
        if (!isOurs(path, upload.initiatedMs)) continue;
        await abortUpload(this.connection.client, this.bucket, upload.key, upload.uploadId);
        aborted.push(path);
      }
      return aborted;
    });
  }

  /**
   * Removes what interrupted writes left in one folder: multipart uploads in progress for keys
   * directly in it (aborted: their parts cost storage), and temporary-named objects.
   * Throws: invalid-name, cancelled, not-found, connection errors.
   */
  async removeTemporaries(folder: string, signal: AbortSignal): Promise<number> {
    assertSafeRelativePath(folder);
    throwIfAborted(signal, this.s3.where(folder));
    const prefix = this.keys.folderPrefix(folder);
    if (
      folder !== '' &&
      !(await this.s3.call(signal, 'clean up', folder, () => this.s3.folderExists(folder, signal)))
    ) {
      throw this.s3.notFound(folder);
    }
    let removed = 0;
    await this.s3.call(signal, 'clean up', folder, async () => {
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
            await this.s3.deleteKey(key, folder, signal);
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
    throwIfAborted(signal, this.s3.where(path));
    const sourceKey = source.keys.objectKey(path);
    const head = await source.s3.head(sourceKey, signal);
    if (!head) throw source.s3.notFound(path);
    await this.assertWritable(path, signal);
    const size = head.ContentLength ?? 0;
    await this.s3.call(signal, 'copy', path, () =>
      copyObject(
        this.connection.client,
        { bucket: source.bucket, key: sourceKey, size },
        {
          bucket: this.bucket,
          key: this.keys.objectKey(path),
          metadata: toUserMetadata(options.metadata ?? {}, 'file', this.metadataKeys),
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
    throwIfAborted(signal, this.s3.where(path));
    const answer = await this.s3.call(signal, 'read tags', path, async () => {
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
    throwIfAborted(signal, this.s3.where(path));
    throw new AppError(
      'not-supported',
      `Object storage cannot hold symbolic links: ${this.s3.where(path)}`,
      { path },
    );
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * A file may be written at `path`: its parent folder exists (else not-found, or not-dir when
   * it is a file) and no folder has its name (is-dir). Answered from the folder cache, which one
   * listing of the parent fills.
   */
  private async assertWritable(path: string, signal: AbortSignal): Promise<void> {
    const parent = parentOfRelative(path);
    const siblings = await this.subfolders(parent, signal);
    if (siblings.has(path.slice(parent === '' ? 0 : parent.length + 1))) {
      throw new AppError('is-dir', `Is a folder: ${this.s3.where(path)}`, { path });
    }
  }

  /** A folder's sub-folder names, from the cache or one delimiter listing. */
  private async subfolders(folder: string, signal: AbortSignal): Promise<Set<string>> {
    const cached = this.folders.get(folder);
    if (cached) return cached;
    const level = await this.s3.call(signal, 'open folder', folder, () =>
      listLevel(this.connection.client, this.bucket, this.keys.folderPrefix(folder), signal),
    );
    const exists = folder === '' || !level.empty;
    if (!exists) {
      if (await this.s3.objectExists(this.keys.objectKey(folder), signal)) {
        throw new AppError('not-dir', `Not a folder: ${this.s3.where(folder)}`, { path: folder });
      }
      throw new AppError('not-found', `Folder not found: ${this.s3.where(folder)}`, {
        path: folder,
      });
    }
    this.folders.set(folder, level.folders);
    return this.folders.get(folder) as Set<string>;
  }

  private async folderInfo(path: string, signal: AbortSignal): Promise<EntryInfo> {
    const marker = this.keys.markerKey(path);
    return entryFromHead('dir', path, marker === null ? null : await this.s3.head(marker, signal));
  }
}

function encodeTags(tags: Record<string, string> | undefined): string | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined;
  return new URLSearchParams(tags).toString();
}

/** Whether a key below the root names a path a location can carry (no `..`, `a//b`...). */
function carriesPath(path: string): boolean {
  try {
    assertSafeRelativePath(path);
    return path !== '';
  } catch {
    return false;
  }
}
