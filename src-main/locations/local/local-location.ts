import {
  constants,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  opendir,
  readdir,
  readlink,
  rename,
  rmdir,
  stat,
  symlink,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../src-shared/errors';
import { cancelledError, isAbortError, throwIfAborted } from '../abort';
import type {
  EntryInfo,
  EntryType,
  HashAlgorithm,
  ListOptions,
  Location,
  LocationCapabilities,
  MetadataUpdate,
  ReadOptions,
  ReadWholeOptions,
  WriteOptions,
} from '../location';
import { checkReadRange } from '../read-range';
import { assertSafeRelativePath, joinRelative } from '../relative-path';
import { isTemporaryName, temporaryName } from '../temp-names';
import {
  openBlockingReadStream,
  readWholeBlocking,
  writeFileBlocking,
  writeWholeBlocking,
} from './blocking-io';
import { keepsBytesAsWritten } from './file-system-kind';
import { writeSparseAsync } from './sparse-write';
import { readWholeAsync, writeWholeAsync } from './whole-file-async';
import { mapBounded } from '../map-bounded';
import { millisecondsOf } from '../nanoseconds';
import { applyMetadata, applyMetadataSync, mappedReadStream } from './local-fs-helpers';
import { errnoOf, mapFsError } from './map-fs-error';
import { LinkedFolderGuard } from './linked-folders';
import { mayNotBeUtf8, sortListedNames, sortTextNames, type ListedNames } from './local-names';

/** Entries examined at once while listing: hides disk latency without flooding an NFS mount. */
const LSTAT_CONCURRENCY = 32;
/** lstat with the times to the nanosecond (BigIntStats). */
const BIGINT = { bigint: true } as const;
/** Read chunk: large enough to keep syscalls and stream hops per byte low on big files. */
const READ_CHUNK = 256 * 1024;
const IS_WINDOWS = process.platform === 'win32';
/** Files from this size on are copied by the kernel (copyFrom) rather than streamed. */
const SERVER_COPY_MIN_BYTES = 4 * 1024 * 1024;

/**
 * A folder on this machine (which may be an OS-mounted NFS or SMB share), through async
 * node:fs/promises. Every native error becomes an AppError naming the full path (mapFsError).
 *
 * Writes are not fsync'ed per file: like cp and rsync, durability is left to the OS (an fsync per
 * file costs more than the copy on many small files), and the engine's verify phase reads back
 * what it wrote when asked to.
 */
export class LocalLocation implements Location {
  readonly kind = 'local' as const;
  readonly description: string;
  readonly capabilities: LocationCapabilities = {
    mtimePrecisionMs: 1,
    // The platform default: ext4/xfs are case-sensitive, APFS/NTFS usually are not.
    caseSensitive: process.platform === 'linux',
    emptyDirectories: true,
    symlinks: !IS_WINDOWS,
    posixMetadata: !IS_WINDOWS,
    storedHashes: [],
    shareableAcrossThreads: true,
    // Measured on 2 cores: 20,000 small files took 1.2 s with 2 workers, 2.3 s with 8.
    usefulConcurrency: Math.max(2, Math.min(8, availableParallelism())),
    usefulThreads: Math.max(2, Math.min(8, availableParallelism())),
    objectTags: false,
    snapshotReads: false,
    keepsBytesAsWritten: false,
    // Blocks never written are holes (Windows would need FSCTL_SET_SPARSE first).
    keepsHoles: !IS_WINDOWS,
    hardLinks: !IS_WINDOWS,
    listsHardLinks: !IS_WINDOWS,
  };
  private readonly root: string;
  private readonly rootWithSep: string;
  /** Refuses writes below a folder that is a symbolic link (linked-folders.ts). */
  private readonly linkedFolders: LinkedFolderGuard;
  /** In a worker thread: blocking fs calls for stat, read and write (see blocking-io.ts). */
  private readonly blockingIo: boolean;

  /** `root` must be absolute (the registry checks it and says so with invalid-config). */
  constructor(root: string, options: { blockingIo?: boolean } = {}) {
    this.blockingIo = options.blockingIo ?? false;
    this.root = path.resolve(root);
    this.rootWithSep = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
    this.linkedFolders = new LinkedFolderGuard(this.root);
    this.description = `local folder ${this.root}`;
    this.capabilities.keepsBytesAsWritten = keepsBytesAsWritten(this.root);
  }

  /** Throws: cancelled, not-found, not-dir, permission-denied (each naming the root). */
  async connect(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal, this.description);
    let info: Stats;
    try {
      info = await stat(this.root); // follows a symlinked root, as a user would expect
    } catch (error) {
      throw mapFsError(error, this.root, 'open location');
    }
    if (!info.isDirectory()) {
      throw new AppError('not-dir', `Not a folder: ${this.root}`, { path: this.root });
    }
    // stat succeeds on a folder we cannot read: opening it is what proves list() will work.
    try {
      const dir = await opendir(this.root);
      await dir.close();
    } catch (error) {
      throw mapFsError(error, this.root, 'open location');
    }
  }

  async close(): Promise<void> {}

  /** Throws: invalid-name, cancelled, not-found, not-dir, permission-denied. */
  async stat(relPath: string, signal: AbortSignal): Promise<EntryInfo> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    try {
      return this.blockingIo
        ? this.toEntry(lstatSync(abs, BIGINT), abs, relPath, true)
        : await this.examine(abs, relPath);
    } catch (error) {
      throw mapFsError(error, abs, 'stat');
    }
  }

  /**
   * Entries of one folder, lstat-based (symlinks are not followed); temporary names are left out.
   * Throws: invalid-name, cancelled, not-found, not-dir, permission-denied.
   */
  async list(relPath: string, signal: AbortSignal, options?: ListOptions): Promise<EntryInfo[]> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    if (this.blockingIo) return this.listBlocking(abs, relPath, options);
    const raw: Buffer[] = [];
    try {
      // Raw bytes: a name that is not UTF-8 must not become a different name (local-names.ts).
      // (Node accepts 'buffer' here and yields Buffer names; its typings know only text.)
      const dir = await opendir(abs, { bufferSize: 256, encoding: 'buffer' as BufferEncoding });
      for await (const dirent of dir) {
        raw.push(dirent.name as unknown as Buffer);
        if (signal.aborted) break; // the iterator closes the handle on break
      }
    } catch (error) {
      throw mapFsError(error, abs, 'read folder');
    }
    throwIfAborted(signal, abs);
    const { names, refused, temporaries } = sortListedNames(raw, relPath);
    if (options?.onTemporary) temporaries.forEach((name) => options.onTemporary?.(name));
    const examined = await mapBounded(names, LSTAT_CONCURRENCY, async (name) => {
      throwIfAborted(signal, abs);
      const childAbs = path.join(abs, name);
      try {
        return await this.examine(childAbs, joinRelative(relPath, name));
      } catch (error) {
        // Removed between readdir and lstat: it is simply no longer there.
        if (errnoOf(error) === 'ENOENT') return null;
        throw mapFsError(error, childAbs, 'examine entry');
      }
    });
    return [...examined.filter((e): e is EntryInfo => e !== null), ...refused];
  }

  /**
   * A file's bytes, whole or `start`..`end` inclusive. A range past the end of the file is clamped
   * (start at or past the end gives an empty stream). The file is opened before the promise
   * resolves, so open failures reject it; later I/O errors reach the stream as AppErrors.
   * Throws: invalid-name, invalid-input (bad range), cancelled, not-found, is-dir,
   * permission-denied, not-supported (a device, FIFO or socket).
   */
  async read(relPath: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    const abs = this.resolve(relPath);
    checkReadRange(options, abs);
    throwIfAborted(signal, abs);
    if (this.blockingIo) {
      try {
        return openBlockingReadStream(abs, options.start ?? 0, options.end ?? Infinity, signal);
      } catch (error) {
        throw mapFsError(error, abs, 'open file');
      }
    }
    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO must not hang; it changes nothing for regular files.
      handle = await open(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw mapFsError(error, abs, 'open file');
    }
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new AppError('is-dir', `Is a folder: ${abs}`, { path: abs });
      if (!info.isFile()) {
        throw new AppError('not-supported', `Not a regular file: ${abs}`, { path: abs });
      }
      throwIfAborted(signal, abs);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw mapFsError(error, abs, 'open file');
    }
    const stream = handle.createReadStream({
      start: options.start ?? 0,
      end: options.end ?? Infinity,
      highWaterMark: READ_CHUNK,
      signal,
    });
    return mappedReadStream(stream, abs);
  }

  /**
   * Streams `data` into a temporary name in the target folder, applies `metadata`, then renames
   * over `relPath`. On any failure or abort the temporary is removed and an existing file under
   * `relPath` is untouched. Returns the bytes written.
   * Throws: invalid-name, cancelled, not-found / not-dir (parent), is-dir (a folder at relPath),
   * permission-denied, no-space, quota-exceeded, and whatever AppError the source stream failed with.
   */
  async write(
    relPath: string,
    data: Readable,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    let abs: string;
    let handle: FileHandle;
    let temp: string;
    try {
      abs = this.resolve(relPath);
      if (relPath === '') throw new AppError('is-dir', `Is a folder: ${abs}`, { path: abs });
      throwIfAborted(signal, abs);
      await this.refuseLinkedFolders(relPath);
      const folder = path.dirname(abs);
      temp = path.join(folder, temporaryName());
      if (this.blockingIo) {
        const target = abs;
        const sparse = options.sparse === true;
        const { metadata, onChunkWritten } = options;
        return await writeFileBlocking(
          target,
          temp,
          data,
          metadata,
          signal,
          sparse,
          onChunkWritten,
        ).catch((error: unknown) => {
          if (isAbortError(error) || signal.aborted) throw cancelledError(target);
          throw mapFsError(error, errnoOf(error) === 'ENOENT' ? folder : target, 'write file');
        });
      }
      try {
        handle = await open(temp, 'wx', 0o666);
      } catch (error) {
        throw mapFsError(error, folder, 'create a file in folder');
      }
    } catch (error) {
      data.destroy(); // the source is ours once passed: release it (a file handle, a socket)
      throw error;
    }
    try {
      let written: number;
      if (options.sparse) {
        const stop = (): void => void data.destroy(cancelledError(abs));
        signal.addEventListener('abort', stop, { once: true });
        try {
          written = await writeSparseAsync(handle, data);
        } finally {
          signal.removeEventListener('abort', stop);
        }
        await handle.close();
      } else {
        const sink = handle.createWriteStream();
        await pipeline(data, sink, { signal });
        written = sink.bytesWritten;
      }
      throwIfAborted(signal, abs);
      if (options.metadata) await applyMetadata(temp, options.metadata, false);
      throwIfAborted(signal, abs);
      await rename(temp, abs);
      return written;
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      if (isAbortError(error) || signal.aborted) throw cancelledError(abs);
      throw mapFsError(error, abs, 'write file');
    }
  }

  /**
   * A whole small file, checked against the planned version at open and after the read.
   * Throws: invalid-name, cancelled, not-found, is-dir, permission-denied, not-supported,
   * changed-during-transfer.
   */
  async readWhole(
    relPath: string,
    options: ReadWholeOptions,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    try {
      return this.blockingIo
        ? readWholeBlocking(abs, relPath, options)
        : await readWholeAsync(abs, relPath, options);
    } catch (error) {
      throw error instanceof AppError ? error : mapFsError(error, abs, 'read file');
    }
  }

  /** `write` for bytes in memory, without a stream. Throws as `write` does. */
  async writeWhole(
    relPath: string,
    data: Uint8Array,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    const abs = this.resolve(relPath);
    if (relPath === '') throw new AppError('is-dir', `Is a folder: ${abs}`, { path: abs });
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath);
    const folder = path.dirname(abs);
    const temp = path.join(folder, temporaryName());
    try {
      return this.blockingIo
        ? writeWholeBlocking(abs, temp, data, options.metadata)
        : await writeWholeAsync(abs, temp, data, options.metadata);
    } catch (error) {
      throw mapFsError(error, errnoOf(error) === 'ENOENT' ? folder : abs, 'write file');
    }
  }

  /** Creates the folder and missing parents; idempotent. Throws: invalid-name, not-dir, permission-denied. */
  async mkdir(relPath: string, signal: AbortSignal): Promise<void> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath, true);
    try {
      // Blocking where the thread may block (the CLI): a folder per thread-pool hop was most of
      // the time of creating a tree's thousands of folders.
      if (this.blockingIo) mkdirSync(abs, { recursive: true });
      else await mkdir(abs, { recursive: true });
    } catch (error) {
      const errno = errnoOf(error);
      // EEXIST: a file has the folder's name; ENOTDIR: a file has a parent's name.
      if (errno === 'EEXIST' || errno === 'ENOTDIR') {
        throw new AppError('not-dir', `Not a folder: ${abs} (a file is in the way)`, {
          path: abs,
        });
      }
      throw mapFsError(error, abs, 'create folder');
    }
  }

  /** Removes a file or symlink. Throws: invalid-name, not-found, is-dir, permission-denied. */
  async remove(relPath: string, signal: AbortSignal): Promise<void> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath);
    try {
      if (this.blockingIo) unlinkSync(abs);
      else await unlink(abs);
    } catch (error) {
      // Linux says EISDIR for a folder, macOS says EPERM: look before blaming permissions.
      const errno = errnoOf(error);
      if ((errno === 'EISDIR' || errno === 'EPERM' || errno === 'EACCES') && (await isDir(abs))) {
        throw new AppError('is-dir', `Is a folder: ${abs} (remove file)`, { path: abs });
      }
      throw mapFsError(error, abs, 'remove file');
    }
  }

  /**
   * Removes an empty folder. Temporaries left by an interrupted write do not count as content
   * (list() hides them), so they are removed with it.
   * Throws: invalid-name, invalid-input (the root), not-found, not-dir, dir-not-empty,
   * permission-denied.
   */
  async rmdir(relPath: string, signal: AbortSignal): Promise<void> {
    const abs = this.resolve(relPath);
    if (relPath === '') {
      throw new AppError('invalid-input', `Cannot remove the location's root: ${abs}`);
    }
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath);
    try {
      await rmdir(abs);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno !== 'ENOTEMPTY' && errno !== 'EEXIST')
        throw mapFsError(error, abs, 'remove folder');
      const names = await readdir(abs).catch(() => [] as string[]);
      if (names.length === 0 || !names.every(isTemporaryName)) {
        throw new AppError('dir-not-empty', `Folder not empty: ${abs}`, { path: abs });
      }
      try {
        for (const name of names) await unlink(path.join(abs, name));
        await rmdir(abs);
      } catch (retryError) {
        throw mapFsError(retryError, abs, 'remove folder');
      }
    }
  }

  /**
   * Copies a file from another local folder with the kernel's copy (copy_file_range, or a
   * reflink where the file system has them) into a temporary name, on libuv's thread pool while
   * `alongside` runs on this thread; then metadata and rename. Null for any other source kind.
   */
  async copyFrom(
    source: Location,
    relPath: string,
    options: WriteOptions & { alongside(): Promise<void> },
    signal: AbortSignal,
  ): Promise<number | null> {
    if (!(source instanceof LocalLocation)) return null;
    // Below a few MiB the kernel copy saves less than its extra calls cost in a worker, where
    // the blocking stream does the whole file in a handful of syscalls.
    if (this.blockingIo && (options.size ?? Infinity) < SERVER_COPY_MIN_BYTES) return null;
    const from = source.resolve(relPath);
    const abs = this.resolve(relPath);
    if (relPath === '') throw new AppError('is-dir', `Is a folder: ${abs}`, { path: abs });
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath);
    const temp = path.join(path.dirname(abs), temporaryName());
    const copied = copyFile(from, temp, constants.COPYFILE_EXCL);
    const alongside = options.alongside();
    // Both settle before anything else happens, so a failure of one never leaves the other loose.
    const [copy, check] = await Promise.allSettled([copied, alongside]);
    try {
      if (copy.status === 'rejected') throw copy.reason;
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      const errno = errnoOf(error);
      // Which side failed: a missing or unreadable source, or the destination folder.
      const side = (await lstat(from).then(
        () => true,
        () => false,
      ))
        ? abs
        : from;
      throw mapFsError(error, errno === 'ENOENT' || errno === 'EACCES' ? side : abs, 'copy file');
    }
    try {
      if (check.status === 'rejected') throw check.reason;
      const info = await lstat(temp);
      await applyMetadata(temp, asIfCreatedHere(options.metadata ?? {}), false, info);
      const size = info.size;
      throwIfAborted(signal, abs);
      await rename(temp, abs);
      return size;
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (isAbortError(error) || signal.aborted) throw cancelledError(abs);
      throw mapFsError(error, abs, 'write file');
    }
  }

  /** The folder `list` lists, absolute (for a walk in another thread: walk-thread.ts). */
  get listedRoot(): string {
    return this.root;
  }

  /** list() with blocking calls, for worker threads (see blocking-io.ts for why). */
  private listBlocking(abs: string, relPath: string, options?: ListOptions): EntryInfo[] {
    let listed: ListedNames;
    try {
      // Names as text, one string each (a Buffer per name cost more than the rest of the
      // listing): a name that is not UTF-8 decodes with U+FFFD in it, and only a folder with
      // such a name is read again as raw bytes, to be told apart exactly (local-names.ts).
      const text = readdirSync(abs);
      listed = text.some(mayNotBeUtf8)
        ? sortListedNames(readdirSync(abs, { encoding: 'buffer' }), relPath)
        : sortTextNames(text, relPath);
    } catch (error) {
      throw mapFsError(error, abs, 'read folder');
    }
    const { names, refused, temporaries } = listed;
    if (options?.onTemporary) temporaries.forEach((name) => options.onTemporary?.(name));
    // Code-unit order, which within one folder is the walk's order (tree-order.ts): the walk's
    // own sort then finds the entries in order (the built-in sort costs less than its comparator).
    names.sort();
    const entries: EntryInfo[] = refused;
    // The names are checked (no separator, no '.' or '..'): joining needs no normalizing.
    const prefix = abs.endsWith(path.sep) ? abs : abs + path.sep;
    for (const name of names) {
      const childAbs = prefix + name;
      try {
        entries.push(
          this.toEntry(lstatSync(childAbs, BIGINT), childAbs, joinRelative(relPath, name), true),
        );
      } catch (error) {
        // Removed between readdir and lstat: it is simply no longer there.
        if (errnoOf(error) !== 'ENOENT') throw mapFsError(error, childAbs, 'examine entry');
      }
    }
    return entries;
  }

  /** Unlinks the temporaries of interrupted writes in one folder. Throws not-found, not-dir. */
  async removeTemporaries(relPath: string, signal: AbortSignal): Promise<number> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    let names: string[];
    try {
      names = (await readdir(abs)).filter(isTemporaryName);
    } catch (error) {
      throw mapFsError(error, abs, 'read folder');
    }
    let removed = 0;
    for (const name of names) {
      await unlink(path.join(abs, name)).then(
        () => removed++,
        () => undefined, // gone already, or another writer's: not ours to fail on
      );
    }
    return removed;
  }

  /**
   * Applies mtime/atime (sub-millisecond as far as Node's utimes carries it), mode and, where
   * allowed, uid/gid. A symlink's own times and owner are set; its mode is not (Linux has none).
   * Throws: invalid-name, cancelled, not-found, permission-denied.
   */
  async setMetadata(relPath: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath);
    try {
      if (this.blockingIo) {
        const info = lstatSync(abs);
        applyMetadataSync(abs, metadata, info.isSymbolicLink(), info);
      } else {
        const info = await lstat(abs);
        await applyMetadata(abs, metadata, info.isSymbolicLink(), info);
      }
    } catch (error) {
      throw mapFsError(error, abs, 'set metadata');
    }
  }

  /** A local disk keeps no hashes: always null. Throws: invalid-name, cancelled. */
  async storedHash(
    relPath: string,
    _algorithm: HashAlgorithm,
    signal: AbortSignal,
  ): Promise<string | null> {
    this.resolve(relPath);
    throwIfAborted(signal, relPath);
    return null;
  }

  /**
   * Creates a symlink holding `target` as given (it may point anywhere: list() never follows it).
   * Throws: invalid-name, cancelled, already-exists, not-found (parent), not-supported (Windows).
   */
  async symlink(relPath: string, target: string, signal: AbortSignal): Promise<void> {
    const abs = this.resolve(relPath);
    throwIfAborted(signal, abs);
    if (!this.capabilities.symlinks) {
      throw new AppError('not-supported', `Symlinks are not supported here: ${abs}`);
    }
    if (target === '' || target.includes('\0')) {
      throw new AppError('invalid-name', `Invalid symlink target for ${abs}`, { path: abs });
    }
    await this.refuseLinkedFolders(relPath);
    try {
      if (this.blockingIo) symlinkSync(target, abs);
      else await symlink(target, abs);
    } catch (error) {
      throw mapFsError(error, abs, 'create symlink');
    }
  }

  /**
   * Makes `relPath` another name of `existing` (link(2) under a temporary name, renamed over
   * `relPath`: a file already there is replaced whole or not at all).
   * Throws: invalid-name, cancelled, not-found (`existing` or the folder), is-dir,
   * not-supported (EXDEV: another file system), permission-denied.
   */
  async link(relPath: string, existing: string, signal: AbortSignal): Promise<void> {
    const abs = this.resolve(relPath);
    const from = this.resolve(existing);
    if (relPath === '') throw new AppError('is-dir', `Is a folder: ${abs}`, { path: abs });
    throwIfAborted(signal, abs);
    await this.refuseLinkedFolders(relPath);
    const temp = path.join(path.dirname(abs), temporaryName());
    try {
      await link(from, temp);
    } catch (error) {
      if (errnoOf(error) === 'EXDEV') {
        throw new AppError('not-supported', `Cannot link across file systems: ${abs} -> ${from}`, {
          path: abs,
        });
      }
      throw mapFsError(error, errnoOf(error) === 'ENOENT' ? from : abs, 'create hard link');
    }
    try {
      await rename(temp, abs);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw mapFsError(error, abs, 'create hard link');
    }
    // rename(2) of two names of one file does nothing: the temporary would stay.
    await unlink(temp).catch(() => undefined);
  }

  /** Throws not-dir when a folder of `relPath` (and with `self` the path) is a symlink. */
  private async refuseLinkedFolders(relPath: string, self = false): Promise<void> {
    if (this.blockingIo) this.linkedFolders.checkSync(relPath, self);
    else await this.linkedFolders.check(relPath, self);
  }

  /**
   * The absolute path of a relative one, refusing anything that could leave the root.
   * Throws: invalid-name.
   */
  private resolve(relPath: string): string {
    assertSafeRelativePath(relPath);
    if (IS_WINDOWS && /[\\:]/.test(relPath)) {
      // Windows would read a backslash as a separator and a colon as a stream name.
      throw new AppError('invalid-name', `Invalid name on Windows: ${relPath}`, { path: relPath });
    }
    // A safe path (no empty, '.' or '..' segment) joins as it is on POSIX: path.join's
    // normalizing of every segment was a visible part of a small file's copy.
    const abs =
      relPath === ''
        ? this.root
        : IS_WINDOWS
          ? path.join(this.root, ...relPath.split('/'))
          : this.rootWithSep + relPath;
    if (abs !== this.root && !abs.startsWith(this.rootWithSep)) {
      throw new AppError('invalid-name', `Path leaves the location: ${relPath}`, { path: relPath });
    }
    return abs;
  }

  private async examine(abs: string, relPath: string): Promise<EntryInfo> {
    const entry = this.toEntry(await lstat(abs, BIGINT), abs, relPath, false);
    if (entry.type === 'symlink') entry.linkTarget = await readlink(abs);
    return entry;
  }

  /**
   * An EntryInfo from lstat (BigInt: the times to the nanosecond, kept as mtimeNs/atimeNs for
   * stores that keep them); with `readLink`, a symlink's target is read (blocking).
   */
  private toEntry(info: BigIntStats, abs: string, relPath: string, readLink: boolean): EntryInfo {
    // Numbers where they are exact (modes, ids, sizes and block counts below 2^53): each
    // BigInt operation allocates, and a listing does a dozen per entry.
    const mode = Number(info.mode);
    const type = typeOfMode(mode);
    const size = type === 'file' ? Number(info.size) : 0;
    const entry: EntryInfo = {
      path: relPath,
      type,
      size,
      mtimeMs: millisecondsOf(info.mtimeNs),
      mtimeNs: String(info.mtimeNs),
      atimeMs: millisecondsOf(info.atimeNs),
      atimeNs: String(info.atimeNs),
    };
    // A file occupying fewer 512-byte blocks than its size has holes (Windows has no blocks).
    if (type === 'file' && !IS_WINDOWS) {
      const allocated = Number(info.blocks) * 512;
      if (allocated < size) entry.allocatedBytes = allocated;
    }
    if (this.capabilities.posixMetadata) {
      entry.mode = mode & 0o7777;
      entry.uid = Number(info.uid);
      entry.gid = Number(info.gid);
    }
    if (type === 'symlink' && readLink) entry.linkTarget = readlinkSync(abs);
    // The identity of a file with several names: device and inode, exact (BigInt: an inode
    // number past 2^53 would be rounded in a number, and two files could look like one).
    if (type === 'file' && !IS_WINDOWS && Number(info.nlink) > 1) {
      entry.hardLink = { key: `${info.dev}:${info.ino}`, links: Number(info.nlink) };
    }
    return entry;
  }
}

/** The entry type of an lstat mode (as Stats.isSymbolicLink() and the others test it). */
function typeOfMode(mode: number): EntryType {
  const format = mode & constants.S_IFMT;
  if (format === constants.S_IFLNK) return 'symlink';
  if (format === constants.S_IFDIR) return 'dir';
  if (format === constants.S_IFREG) return 'file';
  return 'other';
}

async function isDir(abs: string): Promise<boolean> {
  const info = await lstat(abs).catch(() => null);
  return info?.isDirectory() ?? false;
}

/**
 * The kernel copy carries the source's mode (and, as root, its owner) over; a file written by
 * `write` would have the defaults. Where the options leave them out, put the defaults back.
 */
function asIfCreatedHere(metadata: MetadataUpdate): MetadataUpdate {
  if (IS_WINDOWS) return metadata;
  return {
    ...metadata,
    mode: metadata.mode ?? 0o666 & ~process.umask(),
    uid: metadata.uid ?? process.geteuid?.(),
    gid: metadata.gid ?? process.getegid?.(),
  };
}
