import type { Readable } from 'node:stream';
import { AppError } from '../../../src-shared/errors';
import type { Nfs3FileSystem } from '../../protocols/nfs3/nfs3-fs';
import { Nfs3Error, type Fattr3, type SetAttributes } from '../../protocols/nfs3/nfs3-types';
import { cancelledError, throwIfAborted } from '../abort';
import type {
  EntryInfo,
  EntryType,
  HashAlgorithm,
  ListOptions,
  Location,
  LocationCapabilities,
  MetadataUpdate,
  ReadOptions,
  ReadStreamMetadata,
  WriteOptions,
} from '../location';
import { mapBounded } from '../map-bounded';
import { mappedBody } from '../mapped-stream';
import { checkReadRange } from '../read-range';
import {
  assertSafeRelativePath,
  joinRelative,
  listedNameProblem,
  parentOfRelative,
  refusedNameEntry,
} from '../relative-path';
import { isTemporaryName, temporaryName } from '../temp-names';
import { openNfsSession, type NfsEndpoint, type NfsSession } from './nfs-connection';
import { mapNfsError } from './nfs-errors';

/** The mode of files written without one (the usual umask 022 applied). */
const DEFAULT_FILE_MODE = 0o644;
/** ACCESS3 bits: read a folder's entries, look names up in it. */
const ACCESS_READ = 0x1;
const ACCESS_LOOKUP = 0x2;
/** Symlink targets read at once while listing a folder full of links. */
const READLINK_CONCURRENCY = 16;

/**
 * A folder of an NFSv3 export, reached with our own client (src-main/protocols/nfs3): no OS
 * mount, no root needed (except where the server insists on a privileged source port). Writes
 * go to a temporary name created EXCLUSIVE, are made durable with COMMIT (checked against the
 * server's write verifier), get their attributes, then are renamed over the final name.
 */
export class NfsLocation implements Location {
  readonly kind = 'nfs' as const;
  readonly capabilities: LocationCapabilities = {
    // NFSv3 carries nanoseconds; EntryInfo keeps milliseconds with a fraction.
    mtimePrecisionMs: 1,
    caseSensitive: true,
    emptyDirectories: true,
    symlinks: true,
    posixMetadata: true,
    storedHashes: [],
    shareableAcrossThreads: true,
    // Calls in flight hide the round trips; past about eight files at once the server's
    // threads (and its disk) are the limit.
    usefulConcurrency: 8,
    // One connection: ganesha serves it with a pool of threads of its own. Two threads moved
    // 5,000 x 4 KiB each way in the same time with a quarter to a third more CPU and 40-45 MiB
    // more (docs/benchmarks.md, "Third pass: NFS").
    usefulThreads: 1,
    objectTags: false,
    // WRITEs of zeros only are left out (WriteOptions.sparse): the server's file keeps holes.
    keepsHoles: true,
    // LINK: another name of a file (the server may still refuse: NFS3ERR_NOTSUPP).
    hardLinks: true,
    listsHardLinks: true,
    // A READ reply's attributes cannot stand in for the engine's stat afterwards: ganesha
    // answers them from its cache, blind to a file changed on its disk meanwhile.
    snapshotReads: false,
  };
  private session: Promise<NfsSession> | null = null;

  constructor(
    private readonly endpoint: NfsEndpoint,
    readonly description: string,
  ) {}

  /** Throws: not-found (export or folder), not-dir, permission-denied, unavailable, timeout... */
  async connect(signal: AbortSignal): Promise<void> {
    throwIfAborted(signal, this.description);
    const info = await this.run('', 'open location', signal, (fs) =>
      fs.stat(this.full(''), signal),
    );
    if (info.type !== 'dir') {
      throw new AppError('not-dir', `Not a folder: ${this.description}`, {
        path: this.description,
      });
    }
    // A folder we may not read shows up now, not in the middle of the run (ACCESS asks the
    // server's own rules, ACLs and squashing included, without listing a large folder).
    const granted = await this.run('', 'open location', signal, (fs) =>
      fs.access(this.full(''), ACCESS_READ | ACCESS_LOOKUP, signal),
    );
    if ((granted & (ACCESS_READ | ACCESS_LOOKUP)) !== (ACCESS_READ | ACCESS_LOOKUP)) {
      throw new AppError(
        'permission-denied',
        `Permission denied: ${this.description} (the uid ${this.endpoint.uid} may not list it)`,
        { path: this.description },
      );
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.then((s) => s.close()).catch(() => undefined);
  }

  /** Throws: invalid-name, cancelled, not-found, permission-denied, unavailable. */
  async stat(path: string, signal: AbortSignal): Promise<EntryInfo> {
    assertSafeRelativePath(path);
    return this.run(path, 'stat', signal, async (fs) =>
      this.entry(fs, path, await fs.stat(this.full(path), signal), signal),
    );
  }

  /**
   * Every entry of a folder (READDIRPLUS pages), temporaries left out; a name no path can carry
   * (nfsNameProblem) is a problem entry, never followed. Throws not-found, not-dir.
   */
  async list(path: string, signal: AbortSignal, options?: ListOptions): Promise<EntryInfo[]> {
    assertSafeRelativePath(path);
    return this.run(path, 'read folder', signal, async (fs) => {
      const found = (await fs.list(this.full(path), signal)).filter((e) => {
        if (!isTemporaryName(e.name)) return true;
        if (e.attributes.type !== 'dir') options?.onTemporary?.(e.name);
        return false;
      });
      const usable = found.filter((e) => nfsNameProblem(e.name) === null);
      const refused = found
        .filter((e) => nfsNameProblem(e.name) !== null)
        .map((e) => refusedNameEntry(path, e.name, 'NFS name', nfsNameProblem(e.name) as string));
      const entries = await mapBounded(usable, READLINK_CONCURRENCY, (e) =>
        this.entry(fs, joinRelative(path, e.name), e.attributes, signal),
      );
      return [...entries, ...refused];
    });
  }

  /** Throws: invalid-name, invalid-input (range), not-found, is-dir, not-supported, cancelled. */
  async read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    assertSafeRelativePath(path);
    checkReadRange(options, this.where(path));
    const stream = await this.run(path, 'open file', signal, (fs) =>
      fs.read(this.full(path), options.start ?? 0, options.end ?? Number.MAX_SAFE_INTEGER, signal),
    );
    const body = mappedBody(stream, signal, this.where(path), (error) =>
      mapNfsError(error, this.where(path), 'read file'),
    );
    // The chunks pass through as they are: given back, their reply buffers take later READs.
    const release: ReadStreamMetadata = { releaseChunk: (chunk) => stream.releaseChunk(chunk) };
    return Object.assign(body, release);
  }

  /**
   * Streams `data` into a temporary file next to `path`, COMMITs it, applies the metadata and
   * renames it over `path`; on failure or cancel the temporary is removed and `path` untouched.
   * Throws: invalid-name, is-dir, not-found (parent), permission-denied, no-space,
   * quota-exceeded, unavailable, timeout, cancelled, and the source stream's own AppError.
   */
  async write(
    path: string,
    data: Readable,
    options: WriteOptions,
    signal: AbortSignal,
  ): Promise<number> {
    try {
      assertSafeRelativePath(path);
      if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`);
      throwIfAborted(signal, this.where(path));
    } catch (error) {
      data.destroy();
      throw error;
    }
    const temp = joinRelative(parentOfRelative(path), temporaryName());
    // The source's failure reaches us through reading it; once it is read to its end nothing
    // listens, and the cancel's destroy below would be an uncaught error (a worker thread died
    // of it, and its writes in flight never removed their temporaries).
    data.on('error', () => undefined);
    // The source may wait for bytes for ever: cancel must not wait with it.
    const onAbort = (): void => void data.destroy(cancelledError(this.where(path)));
    signal.addEventListener('abort', onAbort, { once: true });
    let created = false;
    try {
      return await this.run(path, 'write file', signal, async (fs) => {
        created = true;
        const sparse = options.sparse === true;
        const full = this.full(temp);
        const written = await fs.write(full, data, 'EXCLUSIVE', undefined, signal, sparse);
        throwIfAborted(signal, this.where(path));
        // Runs of zeros were not written: the size covers a hole at the end. Apart from the
        // times, since a server may take the change of size as a change of content.
        if (sparse) await fs.setattr(full, { size: BigInt(written) }, signal);
        // One SETATTR for everything: the mode (an EXCLUSIVE create sets none), the owner, and
        // the times, which also clears the create's verifier from them (the server's clock
        // where the metadata names no time).
        const set = toSet(options.metadata);
        await this.applyAttributes(
          fs,
          temp,
          {
            ...set,
            mode: set.mode ?? DEFAULT_FILE_MODE,
            atimeMs: set.atimeMs ?? 'server',
            mtimeMs: set.mtimeMs ?? 'server',
          },
          signal,
        );
        throwIfAborted(signal, this.where(path));
        await fs.rename(this.full(temp), this.full(path), signal);
        created = false;
        return written;
      });
    } catch (error) {
      data.destroy();
      if (created) await this.discard(temp);
      if (signal.aborted) throw cancelledError(this.where(path));
      if (error instanceof AppError && error.code === 'already-exists') {
        // RENAME of a file over a folder.
        throw new AppError('is-dir', `Is a folder: ${this.where(path)}`, {
          path: this.where(path),
        });
      }
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Makes `path` another name of `existing`: LINK under a temporary name, then RENAME over
   * `path` (a file already there is replaced whole or not at all).
   * Throws: invalid-name, is-dir, not-found, not-supported (NFS3ERR_NOTSUPP, NFS3ERR_XDEV),
   * permission-denied, unavailable, timeout, cancelled.
   */
  async link(path: string, existing: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    assertSafeRelativePath(existing);
    if (path === '') throw new AppError('is-dir', `Is a folder: ${this.where(path)}`);
    const temp = joinRelative(parentOfRelative(path), temporaryName());
    let made = false;
    try {
      await this.run(path, 'create hard link', signal, async (fs) => {
        await fs.link(this.full(existing), this.full(temp), signal);
        made = true;
        await fs.rename(this.full(temp), this.full(path), signal);
        made = false;
      });
    } catch (error) {
      if (made) await this.discard(temp);
      throw error;
    }
    // RENAME of two names of one file does nothing (POSIX): the temporary would stay.
    await this.discard(temp);
  }

  /** Creates the folder and its missing parents. Throws: not-dir (a file in the way), permission-denied. */
  async mkdir(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    await this.run(path, 'create folder', signal, (fs) =>
      this.mkdirIn(fs, this.full(path), signal),
    );
  }

  /** mkdir -p of a path inside the export (the location's own folder may be missing too). */
  private async mkdirIn(fs: Nfs3FileSystem, full: string, signal: AbortSignal): Promise<void> {
    if (full === '') return;
    const existing = await fs.stat(full, signal).catch(() => null);
    if (existing) {
      if (existing.type !== 'dir') throw this.notDir(full);
      return;
    }
    const parent = parentOfRelative(full);
    if (parent !== '') await this.mkdirIn(fs, parent, signal);
    try {
      await fs.mkdir(full, undefined, signal);
    } catch (error) {
      // Made meanwhile by another writer, or a file of that name appeared.
      const now = await fs.stat(full, signal).catch(() => null);
      if (now?.type === 'dir') return;
      if (now) throw this.notDir(full);
      throw error;
    }
  }

  /** Removes a file or symlink. Throws: not-found, is-dir, permission-denied. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    await this.run(path, 'remove file', signal, async (fs) => {
      const info = await fs.stat(this.full(path), signal);
      if (info.type === 'dir') {
        throw new AppError('is-dir', `Is a folder: ${this.where(path)} (remove file)`, {
          path: this.where(path),
        });
      }
      await fs.remove(this.full(path), signal);
    });
  }

  /**
   * Removes an empty folder; temporaries of interrupted writes do not count as content.
   * Throws: invalid-input (the root), not-found, not-dir, dir-not-empty, permission-denied.
   */
  async rmdir(path: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    if (path === '') {
      throw new AppError('invalid-input', `Cannot remove the location's root: ${this.description}`);
    }
    await this.run(path, 'remove folder', signal, async (fs) => {
      const info = await fs.stat(this.full(path), signal);
      if (info.type !== 'dir') throw this.notDir(this.full(path));
      const names = (await fs.list(this.full(path), signal)).map((e) => e.name);
      if (!names.every(isTemporaryName)) {
        throw new AppError('dir-not-empty', `Folder not empty: ${this.where(path)}`, {
          path: this.where(path),
        });
      }
      for (const name of names) await fs.remove(this.full(joinRelative(path, name)), signal);
      await fs.rmdir(this.full(path), signal);
    });
  }

  /** Sets times, mode and owner (a symlink's mode is left: it has none). Throws not-found. */
  async setMetadata(path: string, metadata: MetadataUpdate, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    await this.run(path, 'set metadata', signal, async (fs) => {
      const set = toSet(metadata);
      if (set.mode !== undefined && (await fs.stat(this.full(path), signal)).type === 'symlink') {
        delete set.mode;
      }
      await this.applyAttributes(fs, path, set, signal);
    });
  }

  /**
   * SETATTR, and when the server will not change the owner for us (NFS3ERR_PERM: we are not
   * root there, or root is squashed) the rest without it, as `cp -p` does.
   */
  private async applyAttributes(
    fs: Nfs3FileSystem,
    path: string,
    set: SetAttributes,
    signal: AbortSignal,
  ): Promise<void> {
    if (Object.keys(set).length === 0) return;
    try {
      await fs.setattr(this.full(path), set, signal);
    } catch (error) {
      const owner = set.uid !== undefined || set.gid !== undefined;
      if (!owner || !(error instanceof Nfs3Error) || error.status !== 'NFS3ERR_PERM') throw error;
      const { uid: _uid, gid: _gid, ...rest } = set;
      if (Object.keys(rest).length > 0) await fs.setattr(this.full(path), rest, signal);
    }
  }

  /** NFS keeps no hashes: always null. Throws: invalid-name, cancelled. */
  async storedHash(
    path: string,
    _algorithm: HashAlgorithm,
    signal: AbortSignal,
  ): Promise<string | null> {
    assertSafeRelativePath(path);
    throwIfAborted(signal, this.where(path));
    return null;
  }

  /** Removes the temporaries interrupted writes left in `folder`. Throws not-found, not-dir. */
  async removeTemporaries(folder: string, signal: AbortSignal): Promise<number> {
    assertSafeRelativePath(folder);
    return this.run(folder, 'read folder', signal, async (fs) => {
      let removed = 0;
      for (const entry of await fs.list(this.full(folder), signal)) {
        if (!isTemporaryName(entry.name) || entry.attributes.type === 'dir') continue;
        await fs.remove(this.full(joinRelative(folder, entry.name)), signal).then(
          () => removed++,
          () => undefined, // gone already, or another writer's: not ours to fail on
        );
      }
      return removed;
    });
  }

  /** Creates a symlink holding `target` as given. Throws: already-exists, not-found (parent). */
  async symlink(path: string, target: string, signal: AbortSignal): Promise<void> {
    assertSafeRelativePath(path);
    if (target === '' || target.includes('\0')) {
      throw new AppError('invalid-name', `Invalid symlink target for ${this.where(path)}`, {
        path: this.where(path),
      });
    }
    await this.run(path, 'create symlink', signal, (fs) =>
      fs.symlink(this.full(path), target, signal),
    );
  }

  /** "NFS server:/export/folder/path", for messages. */
  private where(path: string): string {
    return path === '' ? this.description : `${this.description}/${path}`;
  }

  /** The path inside the export of a path inside the location. */
  private full(path: string): string {
    return path === '' ? this.endpoint.folder : joinRelative(this.endpoint.folder, path);
  }

  /** `full`: a path inside the export. */
  private notDir(full: string): AppError {
    const where = `NFS ${this.endpoint.server}:${joinRelative(this.endpoint.exportPath, full)}`;
    return new AppError('not-dir', `Not a folder: ${where} (a file is in the way)`, {
      path: where,
    });
  }

  /**
   * Runs `operation` on the session (opened on first use, again after a failed open), with
   * every error mapped to an AppError naming `path`.
   */
  private async run<T>(
    path: string,
    action: string,
    signal: AbortSignal,
    operation: (fs: Nfs3FileSystem) => Promise<T>,
  ): Promise<T> {
    throwIfAborted(signal, this.where(path));
    try {
      // Opened with no caller's signal: one caller cancelling must not fail the others'.
      this.session ??= openNfsSession(this.endpoint).catch((error: unknown) => {
        this.session = null;
        throw error;
      });
      const { fs } = await untilAborted(this.session, signal);
      return await operation(fs);
    } catch (error) {
      if (signal.aborted) throw cancelledError(this.where(path));
      throw mapNfsError(error, this.where(path), action);
    }
  }

  /** Removes a temporary after a failed write, with a signal of its own (the run's may have fired). */
  private async discard(temp: string): Promise<void> {
    try {
      const { fs } = await (this.session as Promise<NfsSession>);
      await fs.remove(this.full(temp), AbortSignal.timeout(this.endpoint.timeoutMs));
    } catch {
      // The server is gone or the file never appeared: removeTemporaries clears it later.
    }
  }

  private async entry(
    fs: Nfs3FileSystem,
    path: string,
    attributes: Fattr3,
    signal: AbortSignal,
  ): Promise<EntryInfo> {
    const type = entryTypeOf(attributes);
    const entry: EntryInfo = {
      path,
      type,
      size: type === 'file' ? Number(attributes.size) : 0,
      mtimeMs: attributes.mtimeMs,
      atimeMs: attributes.atimeMs,
      mode: attributes.mode,
      uid: attributes.uid,
      gid: attributes.gid,
    };
    // The server's own count of bytes the file occupies: fewer than its size, it has holes.
    if (type === 'file' && attributes.used < attributes.size) {
      entry.allocatedBytes = Number(attributes.used);
    }
    // fsid and fileid name the file on the server: the same for each of its names.
    if (type === 'file' && attributes.nlink > 1) {
      entry.hardLink = { key: `${attributes.fsid}:${attributes.fileid}`, links: attributes.nlink };
    }
    if (type === 'symlink') entry.linkTarget = await fs.readlink(this.full(path), signal);
    return entry;
  }
}

function entryTypeOf(attributes: Fattr3): EntryType {
  switch (attributes.type) {
    case 'file':
    case 'dir':
    case 'symlink':
      return attributes.type;
    default:
      return 'other';
  }
}

function toSet(metadata: MetadataUpdate | undefined): SetAttributes {
  const set: SetAttributes = {};
  if (!metadata) return set;
  if (metadata.mode !== undefined) set.mode = metadata.mode & 0o7777;
  if (metadata.uid !== undefined) set.uid = metadata.uid;
  if (metadata.gid !== undefined) set.gid = metadata.gid;
  if (metadata.atimeMs !== undefined) set.atimeMs = metadata.atimeMs;
  if (metadata.mtimeMs !== undefined) set.mtimeMs = metadata.mtimeMs;
  return set;
}

/** `promise`, or a rejection as soon as `signal` fires (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Why a name a server listed cannot be used, or null: listedNameProblem's rules ('/', '..',
 * empty, NUL...), and U+FFFD, which is what the client decodes bytes that are not UTF-8 to (Linux
 * exports allow any bytes): that text would name another file, or none. (A name that really
 * holds U+FFFD is refused too; the bytes it stood for are gone by then.)
 */
function nfsNameProblem(name: string): string | null {
  if (name.includes('\uFFFD')) {
    return 'a name that is not valid UTF-8 (shown with U+FFFD where its bytes were not UTF-8)';
  }
  return listedNameProblem(name);
}
