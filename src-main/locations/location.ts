import type { Readable } from 'node:stream';
import type { LocationKind } from '../../src-shared/model/location-config';

/*
 * The one interface every storage kind implements (rclone's Fs/Object idea). Paths are relative
 * to the location's root, use '/' as separator, have no leading or trailing slash, and '' is the
 * root itself. A path never contains '.' or '..' segments or NUL: `assertSafeRelativePath`
 * refuses them before any I/O, so nothing can escape the root.
 *
 * Every method takes an AbortSignal and rejects with AppError('cancelled') when it fires.
 * Every failure is an AppError with a shared code (errors.ts); native errors never leak.
 */

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** What a location knows about one entry. */
export interface EntryInfo {
  /** Relative path ('' for the root). */
  path: string;
  type: EntryType;
  /** Bytes for files; 0 otherwise. */
  size: number;
  /**
   * Milliseconds since the epoch, as precise as the store keeps it (see mtimePrecisionMs).
   * Meaningless (0) when `mtimeUnknown` is set.
   */
  mtimeMs: number;
  /**
   * The store does not know this entry's modification time (an S3 folder without a marker
   * object): nothing is set from `mtimeMs` and no comparison treats it as a difference.
   */
  mtimeUnknown?: true;
  /**
   * The modification time to the nanosecond, as a decimal string of nanoseconds since the epoch,
   * where the store keeps nanoseconds (a local disk's stat, S3 metadata written with them). It
   * is `mtimeMs` made exact: a store that keeps nanoseconds writes this one when it still agrees
   * with `mtimeMs` (within 10 us; see nanosecondsOf).
   */
  mtimeNs?: string;
  atimeMs?: number;
  /** The access time to the nanosecond, as `mtimeNs`. */
  atimeNs?: string;
  /** POSIX permission bits (0o7777), where the store has them. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Creation time in ms, where the store keeps one a client can set (windowsMetadata: SMB). */
  creationTimeMs?: number;
  /**
   * The standard Windows attributes (MS-FSCC 2.6: read-only, hidden, system, archive,
   * temporary, sparse, compressed, offline, not content indexed, encrypted), where the store
   * has them (windowsMetadata: SMB).
   */
  windowsAttributes?: number;
  /** For symlinks: the link's target, as stored. */
  linkTarget?: string;
  /**
   * Why this entry cannot be transferred, for type 'other' entries that are not special files:
   * an object key that cannot be a file name (`a/../b`), an object and a folder of one name.
   * The engine reports it per file and skips the entry.
   */
  problem?: string;
  /** The store's version tag of this content (S3's ETag), where the listing gave one. */
  etag?: string;
  /**
   * Only what the listing answered is known (S3: size, ETag, LastModified as `mtimeMs`); the
   * stored metadata (mtime, atime, mode, uid, gid) is not loaded. `loadMetadata` loads it, or a
   * read carries it (ReadStreamMetadata). Entries from `list` may be pending only when the
   * location has `loadMetadata`; walkTree loads them unless asked to leave them lazy.
   */
  metadataPending?: true;
  /**
   * For a file with holes (a sparse file): the bytes the store has allocated for it, fewer than
   * `size` (local: stat's blocks, NFS: fattr3 `used`, SMB: AllocationSize of a file marked
   * sparse). Absent where the store does not say or the file is fully allocated. The engine then
   * writes it with WriteOptions.sparse.
   */
  allocatedBytes?: number;
  /**
   * For a file with more than one name (a hard link, nlink > 1): `key` names the file within
   * the location (local: device and inode; NFS: fsid and fileid), the same for each of its
   * names, and `links` is how many names it has. Absent where the store has no hard links.
   */
  hardLink?: { key: string; links: number };
}

/**
 * The stored metadata a read learned when it opened the file (S3: the GET's own headers), set
 * on the stream `read` returns as `storedMetadata`: what a pending entry (metadataPending) lacks.
 */
export interface ReadStreamMetadata {
  storedMetadata?: Pick<
    EntryInfo,
    'mtimeMs' | 'mtimeNs' | 'atimeMs' | 'atimeNs' | 'mode' | 'uid' | 'gid'
  >;
  /**
   * The reader is done with `chunk`, a Buffer the stream passed on (that same object): the
   * store may use its memory again (NFS: for a later READ's reply). Only for a chunk that
   * nothing reads or keeps any more; anything else is ignored, and a chunk never given back is
   * collected as usual. Absent where the store does not reuse memory.
   */
  releaseChunk?(chunk: Uint8Array): void;
}

/** Which parts of a Windows security descriptor a task copies (SecurityDescriptorCopyFlags). */
export type SecurityDescriptorParts = 'OWNER_DACL' | 'OWNER_DACL_SACL';

/** Metadata a write or setMetadata applies; absent fields are left as they are. */
export interface MetadataUpdate {
  mtimeMs?: number;
  /** `mtimeMs` to the nanosecond (EntryInfo.mtimeNs), for stores that keep nanoseconds. */
  mtimeNs?: string;
  atimeMs?: number;
  atimeNs?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Creation time to set (windowsMetadata). */
  creationTimeMs?: number;
  /** Windows attributes to set (windowsMetadata); those a store cannot set are left. */
  windowsAttributes?: number;
  /**
   * A security descriptor read with `securityDescriptor()` from a location of the same kind
   * (self-relative bytes, opaque to the engine), and the parts of it to set.
   */
  securityDescriptor?: { parts: SecurityDescriptorParts; descriptor: Uint8Array };
}

export type HashAlgorithm = 'sha256' | 'md5' | 'crc32c' | 'xxh64';

/** What `list` reports besides the entries. */
export interface ListOptions {
  /**
   * Hears the name of each file in the folder named as our temporaries are (temp-names.ts):
   * what an interrupted write left, which the entries never show. Locations that write no
   * temporaries (S3) never call it.
   */
  onTemporary?(name: string): void;
}

/** What a location can do; the engine adapts to these instead of special-casing kinds. */
export interface LocationCapabilities {
  /** Two mtimes closer than this are equal (1 for most file systems, 1000 for S3, 2000 for FAT). */
  mtimePrecisionMs: number;
  caseSensitive: boolean;
  /** Empty folders exist as such (false for pure object stores without folder markers). */
  emptyDirectories: boolean;
  symlinks: boolean;
  /** mode/uid/gid are kept. */
  posixMetadata: boolean;
  /** Creation time and the standard Windows attributes are kept (creationTimeMs, windowsAttributes). */
  windowsMetadata?: boolean;
  /** Hashes the store gives without reading the data back. */
  storedHashes: HashAlgorithm[];
  /**
   * The location can be re-created from its config in a worker thread. False for the in-memory
   * location, which lives in one thread: the engine then transfers on the main thread.
   */
  shareableAcrossThreads: boolean;
  /**
   * How many transfers at once still help (more only contend): a local disk has locks per
   * folder and the CPUs to feed; network stores hide latency with many. Infinity for no limit.
   */
  usefulConcurrency: number;
  /**
   * How many transfer threads its side of a copy can keep busy. A local disk: about the CPUs
   * (each file costs blocking system calls). A network store: few, each thread's connection
   * carrying `usefulConcurrency` requests at once; each thread more holds a client of its own
   * (25-60 MiB: the AWS SDK, the SMB and NFS buffers) and takes CPU from the rest of the run
   * (measured: 5,000 small files to and from S3 as fast on one thread as on two, with 50-60 MiB
   * and 15% of the CPU less; SMB gains from a second connection, see smb-location.ts).
   */
  usefulThreads: number;
  /** Objects carry tags (S3): `tags()` reads them and writes set WriteOptions.tags. */
  objectTags: boolean;
  /**
   * A read sees one version of a file from start to end (an S3 GET), and checks
   * ReadOptions.expect when it opens: nothing needs to be asked after the copy to know the
   * bytes were the planned version. False for file systems, where a file can change mid-read.
   */
  snapshotReads: boolean;
  /**
   * The store keeps exactly the bytes handed to it, and reading them back right after the write
   * would only return its cache's copy of the same buffers (a local disk file system): VERIFYING
   * then takes the checksum of the bytes as they were written instead of reading the file back.
   * False (or absent) where a server or network stands between (SMB, NFS, S3, a network mount).
   */
  keepsBytesAsWritten?: boolean;
  /**
   * A write with WriteOptions.sparse leaves runs of zeros unwritten, as holes that take no
   * space (local disks, NFS, SMB). False (or absent) where a file has no holes (S3 objects):
   * every byte is stored.
   */
  keepsHoles?: boolean;
  /** `link` makes another name of a file (local disks, NFS, SMB). */
  hardLinks?: boolean;
  /**
   * Listings tell the names of one file apart (EntryInfo.hardLink on each: local, NFS), so a
   * name already linked at the destination is recognised. False for SMB, whose listings give
   * no link count: an unchanged name there is left as it is.
   */
  listsHardLinks?: boolean;
}

export interface ReadOptions {
  /** First byte, inclusive; default 0. */
  start?: number;
  /** Last byte, inclusive; default the end of the file. */
  end?: number;
  /**
   * The file's size as the caller last saw it, when reading it whole: lets network stores fetch
   * a large file in several ranges at once. A hint only; the bytes read are the file's.
   */
  sizeHint?: number;
  /**
   * The version the caller planned to read (its size and mtime): with
   * capabilities.snapshotReads the read refuses any other with changed-during-transfer.
   */
  expect?: {
    size: number;
    mtimeMs: number;
    /**
     * The version tag the listing gave: the read asks for this version only (If-Match), and
     * for a pending entry (metadataPending, whose mtimeMs is the store's own time) checks the
     * size and this tag instead of the mtime.
     */
    etag?: string;
    metadataPending?: boolean;
  };
}

/** What `readWhole` checks. */
export interface ReadWholeOptions {
  /**
   * The version planned (size and mtime): any other fails with changed-during-transfer, checked
   * when the file is opened and again once it is read (or by the read itself on a snapshot store).
   */
  expect: { size: number; mtimeMs: number };
}

export interface WriteOptions {
  /** Expected size, when known: lets stores choose single or multipart uploads. */
  size?: number;
  /** Applied to the file before it appears under its final name. */
  metadata?: MetadataUpdate;
  /** Object tags to set (object stores, capabilities.objectTags); others ignore them. */
  tags?: Record<string, string>;
  /**
   * Called with the checksum the store computed over what it stored, when it answers one on
   * the write itself ("sha256:hex", as S3 does for a single PUT): VERIFYING then compares with
   * it instead of asking again or reading the file back.
   */
  onStored?(hash: string): void;
  /**
   * The source file has holes (EntryInfo.allocatedBytes): a store that keepsHoles skips runs of
   * zeros instead of writing them, and sets the file's size at the end. The file's bytes are the
   * same either way; only what it occupies differs.
   */
  sparse?: boolean;
  /**
   * Called with each chunk of `data` once it is written and the store keeps no reference to it
   * (the same object it read), so that the chunk's source may use the memory again
   * (ReadStreamMetadata.releaseChunk). Stores that keep chunks, copy them, or do not say never
   * call it.
   */
  onChunkWritten?(chunk: Uint8Array): void;
}

/**
 * A storage location. Implementations live in `locations/<kind>/` and pass the conformance suite
 * in `test/conformance/`.
 */
export interface Location {
  readonly kind: LocationKind;
  /** For messages: "local folder /srv/data", "SMB //nas/share/path"... */
  readonly description: string;
  readonly capabilities: LocationCapabilities;

  /**
   * Checks the location is reachable and its root exists, is a folder and can be listed.
   * Throws: not-found (root missing), not-dir, permission-denied, unavailable, auth-failed...
   */
  connect(signal: AbortSignal): Promise<void>;

  /** Releases connections. Idempotent; never throws. */
  close(): Promise<void>;

  /** One entry. Throws not-found. A symlink is reported as a symlink, not followed. */
  stat(path: string, signal: AbortSignal): Promise<EntryInfo>;

  /**
   * The entries directly inside a folder, in no particular order (the walker sorts). Files named
   * as our temporaries (temp-names.ts) are never among them; `options.onTemporary` hears of
   * each. Throws not-found, not-dir, permission-denied.
   */
  list(path: string, signal: AbortSignal, options?: ListOptions): Promise<EntryInfo[]>;

  /**
   * The entry of a pending listing entry (metadataPending) with its stored metadata loaded
   * (S3: one HEAD, at most the location's own limit in flight), or null when it is gone since
   * the listing. Optional: locations whose listings are complete have none.
   * Throws cancelled and the connection's errors.
   */
  loadMetadata?(entry: EntryInfo, signal: AbortSignal): Promise<EntryInfo | null>;

  /**
   * Part of a folder, for a file browser that shows rows as they arrive: up to `pages` of the
   * store's own listing pages from `cursor` (undefined: the start), entries as the listing gives
   * them (files may be pending; no request per entry), and the cursor of what follows (absent at
   * the end). Optional: stores that list a folder in one go have none (use `list`).
   * Throws as `list` (not-found, not-dir on the first page).
   */
  listPage?(
    path: string,
    cursor: string | undefined,
    pages: number,
    signal: AbortSignal,
  ): Promise<{ entries: EntryInfo[]; next?: string }>;

  /** Reads a file, whole or a byte range. Throws not-found, is-dir, permission-denied. */
  read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable>;

  /**
   * Writes a file atomically: the bytes go to a temporary name and appear under `path` only once
   * all of them are written (then metadata applied). On any failure or abort nothing is left under
   * `path` (an existing file there is untouched) and the temporary is removed where possible.
   * The parent folder must exist. Returns the bytes written.
   */
  write(path: string, data: Readable, options: WriteOptions, signal: AbortSignal): Promise<number>;

  /**
   * Reads a small file whole into memory (the engine uses it up to 1 MiB), checking it is the
   * planned version: the per-file cost of small files is in the plumbing, and this skips the
   * stream. Optional. Throws not-found, is-dir, permission-denied, changed-during-transfer (another
   * size or mtime than expected, at open or after the read).
   */
  readWhole?(path: string, options: ReadWholeOptions, signal: AbortSignal): Promise<Uint8Array>;

  /**
   * Writes a small file from memory, atomically and with its metadata, as `write` does.
   * Optional. Throws as `write` does.
   */
  writeWhole?(
    path: string,
    data: Uint8Array,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number>;

  /** Creates a folder and any missing parents. Idempotent. Throws not-dir if a file is in the way. */
  mkdir(path: string, signal: AbortSignal): Promise<void>;

  /** Removes a file or symlink. Throws not-found, is-dir. */
  remove(path: string, signal: AbortSignal): Promise<void>;

  /** Removes an empty folder. Throws not-found, dir-not-empty, not-dir. */
  rmdir(path: string, signal: AbortSignal): Promise<void>;

  /** Applies metadata; fields the store cannot keep are ignored. Throws not-found. */
  setMetadata(path: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void>;

  /** A hash the store keeps (no read-back), or null when it has none for this file. */
  storedHash(path: string, algorithm: HashAlgorithm, signal: AbortSignal): Promise<string | null>;

  /**
   * Aborts the multipart uploads in progress under the location's root, at every level (one
   * listing of uploads), that `isOurs` accepts (given the upload's relative path and when the
   * server says it began): what interrupted writes (a killed process, a server that went away)
   * left, costing storage though no listing of objects shows them. Resolves with the relative
   * path of each upload aborted; [] where the server cannot list uploads. Optional: stores that
   * write through temporaries have none. Throws cancelled and the connection's errors.
   */
  abortInterruptedUploads?(
    isOurs: (path: string, initiatedMs: number | undefined) => boolean,
    signal: AbortSignal,
  ): Promise<string[]>;

  /**
   * Removes temporaries that interrupted writes left in one folder (a crashed worker, a killed
   * process): they are hidden from list() but take space. Returns how many were removed.
   * Call it only when no write of this run is in flight in that folder. Throws not-found.
   */
  removeTemporaries(folder: string, signal: AbortSignal): Promise<number>;

  /**
   * Server-side copy: copies `path` from `source` into this location without the bytes passing
   * through DataFerry (the kernel's copy_file_range between local folders, CopyObject within one
   * S3 endpoint, SMB copy-chunk within one server). Atomic like `write`: `alongside` runs while
   * the bytes are copied (the engine hashes the source meanwhile) and the copy gets its final
   * name only if it resolves; if it or the copy fails, nothing appears. Resolves with the bytes
   * copied, or null when this pair of locations cannot copy server-side (the engine then
   * streams). Optional. Throws as `write` does.
   */
  copyFrom?(
    source: Location,
    path: string,
    options: WriteOptions & { alongside(): Promise<void> },
    signal: AbortSignal,
  ): Promise<number | null>;

  /**
   * The owner, DACL and (with OWNER_DACL_SACL) SACL of a file or folder, for MetadataUpdate's
   * securityDescriptor. Only stores with Windows security have it (SMB); the engine copies
   * descriptors when both sides do. Optional. Throws not-found, permission-denied (the SACL
   * needs the server's "manage auditing" privilege).
   */
  securityDescriptor?(
    path: string,
    parts: SecurityDescriptorParts,
    signal: AbortSignal,
  ): Promise<Uint8Array>;

  /** An object's tags (capabilities.objectTags). Optional. Throws not-found. */
  tags?(path: string, signal: AbortSignal): Promise<Record<string, string>>;

  /**
   * Makes `path` another name of the file at `existing` (a hard link; capabilities.hardLinks),
   * replacing a file already at `path` atomically (a link under a temporary name, renamed
   * over it). Optional. Throws not-found (`existing` or the parent), is-dir, not-supported
   * (another file system, a server without links), permission-denied.
   */
  link?(path: string, existing: string, signal: AbortSignal): Promise<void>;

  /** Creates a symlink (capabilities.symlinks). Throws already-exists, not-supported. */
  symlink(path: string, target: string, signal: AbortSignal): Promise<void>;
}
