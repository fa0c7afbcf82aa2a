import { randomBytes } from 'node:crypto';
import type { MountClient } from './mount3';
import type { FsStat, Nfs3Client } from './nfs3';
import { streamRead, type ReadStream } from './nfs3-read';
import { streamWrite } from './nfs3-write';
import { Nfs3Error, type Fattr3, type SetAttributes } from './nfs3-types';
import { ReplyBufferPool } from './reply-buffers';

/*
 * A file-system view of one mounted export: paths ('a/b/c', relative to the export's root) are
 * looked up segment by segment through a bounded cache of handles, and files are read as
 * streams with several READ calls in flight, each no larger than the server's rtmax.
 */

const HANDLE_CACHE_ENTRIES = 4096;
// READs of 256 KiB (16 in flight, nfs3-read.ts) rather than of 1 MiB (ganesha's rtmax): each
// reply's data is read straight into a buffer of its own, and buffers of this size come from
// the heap again and again, where larger ones are mapped fresh and faulted in page by page.
// 512 MiB from ganesha: 40-43 thousand page faults and 3.0-3.8 s of CPU against 70-85 thousand
// and 3.7-4.4 s with READs of 1 MiB (8 in flight both).
const READ_CHUNK_MAX = 256 * 1024;
/**
 * A READ reply's bytes besides its data: the RPC header (its verifier up to 400 bytes) and
 * READ3resok's status, attributes, count, eof and length (~130 bytes).
 */
const READ_REPLY_OVERHEAD = 1024;
/** Reply buffers kept for the next READs (a 4 MiB window in flight, and what the reader holds). */
const READ_POOL_IDLE_BYTES = 8 * 1024 * 1024;
const WRITE_CHUNK_MAX = 1024 * 1024;
const NFS3ERR_STALE = 70;
/** Modes of what is created without one given (the usual umask 022 applied). */
const DEFAULT_FILE_MODE = 0o644;
const DEFAULT_DIR_MODE = 0o755;

/** One entry of a folder listing, with its attributes. */
export interface Nfs3Entry {
  name: string;
  attributes: Fattr3;
}

/** How `write` creates its file (see Nfs3Client.create). */
export type CreateMode = 'GUARDED' | 'UNCHECKED' | 'EXCLUSIVE';

export interface Nfs3FileSystemOptions {
  nfs: Nfs3Client;
  root: Buffer;
  /** The server's largest READ and WRITE (FSINFO rtmax, wtmax). */
  rtmax: number;
  wtmax: number;
}

/**
 * The reply buffers for a connection's READs (RpcClientOptions.replyPool): READ replies of up to
 * this file system's READ size are read into buffers used again once the reader is done with
 * each chunk (ReadStream.releaseChunk), instead of fresh memory per reply.
 */
export function readReplyPool(): ReplyBufferPool {
  return new ReplyBufferPool(READ_CHUNK_MAX + READ_REPLY_OVERHEAD, READ_POOL_IDLE_BYTES);
}

/**
 * Mounts `exportPath` and reads FSINFO. Throws MountError, Nfs3Error, and what the RPC client
 * throws.
 */
export async function openExport(
  mount: MountClient,
  nfs: Nfs3Client,
  exportPath: string,
  signal?: AbortSignal,
): Promise<Nfs3FileSystem> {
  const { handle } = await mount.mount(exportPath, signal);
  const info = await nfs.fsinfo(handle, signal);
  return new Nfs3FileSystem({ nfs, root: handle, rtmax: info.rtmax, wtmax: info.wtmax });
}

export class Nfs3FileSystem {
  private readonly handles = new Map<string, Buffer>();
  readonly root: Buffer;
  private readonly nfs: Nfs3Client;
  private readonly readChunk: number;
  private readonly writeChunk: number;

  constructor(options: Nfs3FileSystemOptions) {
    this.nfs = options.nfs;
    this.root = options.root;
    this.readChunk = Math.max(4096, Math.min(options.rtmax || READ_CHUNK_MAX, READ_CHUNK_MAX));
    this.writeChunk = Math.max(4096, Math.min(options.wtmax || WRITE_CHUNK_MAX, WRITE_CHUNK_MAX));
  }

  /**
   * The handle of a path ('' is the root), from the cache or by LOOKUPs from the nearest
   * cached parent. Throws Nfs3Error (NFS3ERR_NOENT, NFS3ERR_NOTDIR...).
   */
  async handleOf(path: string, signal?: AbortSignal): Promise<Buffer> {
    if (path === '') return this.root;
    const cached = this.handles.get(path);
    if (cached) {
      // Most recently used last: the oldest are the ones evicted.
      this.handles.delete(path);
      this.handles.set(path, cached);
      return cached;
    }
    const slash = path.lastIndexOf('/');
    const parent = await this.handleOf(slash === -1 ? '' : path.slice(0, slash), signal);
    const { handle } = await this.nfs.lookup(parent, path.slice(slash + 1), signal);
    this.remember(path, handle);
    return handle;
  }

  /** Attributes of a path. Throws Nfs3Error. */
  async stat(path: string, signal?: AbortSignal): Promise<Fattr3> {
    return this.fresh(path, async () =>
      this.nfs.getattr(await this.handleOf(path, signal), signal),
    );
  }

  /**
   * The entries of a folder with their attributes, every READDIRPLUS page; an entry the server
   * sent without attributes is looked up. Handles are cached for the paths below. Throws
   * Nfs3Error (NFS3ERR_NOTDIR, NFS3ERR_ACCES...).
   */
  async list(path: string, signal?: AbortSignal): Promise<Nfs3Entry[]> {
    return this.fresh(path, async () => {
      const dir = await this.handleOf(path, signal);
      const entries: Nfs3Entry[] = [];
      for await (const entry of this.nfs.readdirplus(dir, signal)) {
        const child = path === '' ? entry.name : `${path}/${entry.name}`;
        let attributes = entry.attributes;
        if (entry.handle) this.remember(child, entry.handle);
        if (!attributes) {
          try {
            const found = await this.nfs.lookup(dir, entry.name, signal);
            this.remember(child, found.handle);
            attributes = found.attributes ?? (await this.nfs.getattr(found.handle, signal));
          } catch (error) {
            // Removed between the listing and the lookup: it is simply no longer there.
            if (error instanceof Nfs3Error && error.status === 'NFS3ERR_NOENT') continue;
            throw error;
          }
        }
        entries.push({ name: entry.name, attributes });
      }
      return entries;
    });
  }

  /** Creates one folder (its parent must exist). Throws Nfs3Error (NFS3ERR_EXIST...). */
  async mkdir(path: string, mode = DEFAULT_DIR_MODE, signal?: AbortSignal): Promise<void> {
    const { parent, name } = split(path);
    await this.fresh(parent, async () => {
      const handle = await this.nfs.mkdir(
        await this.handleOf(parent, signal),
        name,
        { mode },
        signal,
      );
      this.remember(path, handle);
    });
  }

  /** REMOVE a file or symlink. Throws Nfs3Error. */
  async remove(path: string, signal?: AbortSignal): Promise<void> {
    const { parent, name } = split(path);
    await this.fresh(parent, async () =>
      this.nfs.remove(await this.handleOf(parent, signal), name, signal),
    );
    this.forget(path);
  }

  /** RMDIR an empty folder. Throws Nfs3Error (NFS3ERR_NOTEMPTY...). */
  async rmdir(path: string, signal?: AbortSignal): Promise<void> {
    const { parent, name } = split(path);
    await this.fresh(parent, async () =>
      this.nfs.rmdir(await this.handleOf(parent, signal), name, signal),
    );
    this.forget(path);
  }

  /** LINK: `path` (which must not exist) becomes another name of `existing`. Throws Nfs3Error. */
  async link(existing: string, path: string, signal?: AbortSignal): Promise<void> {
    const { parent, name } = split(path);
    await this.fresh(existing, async () =>
      this.fresh(parent, async () =>
        this.nfs.link(
          await this.handleOf(existing, signal),
          await this.handleOf(parent, signal),
          name,
          signal,
        ),
      ),
    );
  }

  /** RENAME `from` to `to`, replacing a file there. Throws Nfs3Error. */
  async rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const a = split(from);
    const b = split(to);
    await this.fresh(a.parent, async () =>
      this.fresh(b.parent, async () =>
        this.nfs.rename(
          await this.handleOf(a.parent, signal),
          a.name,
          await this.handleOf(b.parent, signal),
          b.name,
          signal,
        ),
      ),
    );
    this.forget(from);
    this.forget(to);
  }

  /** SETATTR on a path. Throws Nfs3Error. */
  async setattr(path: string, set: SetAttributes, signal?: AbortSignal): Promise<void> {
    await this.fresh(path, async () =>
      this.nfs.setattr(await this.handleOf(path, signal), set, signal),
    );
  }

  /** Creates a symbolic link at `path` to `target`. Throws Nfs3Error (NFS3ERR_EXIST...). */
  async symlink(path: string, target: string, signal?: AbortSignal): Promise<void> {
    const { parent, name } = split(path);
    await this.fresh(parent, async () => {
      const handle = await this.nfs.symlink(
        await this.handleOf(parent, signal),
        name,
        target,
        {},
        signal,
      );
      this.remember(path, handle);
    });
  }

  /** A symbolic link's target. Throws Nfs3Error (NFS3ERR_INVAL for a non-link). */
  async readlink(path: string, signal?: AbortSignal): Promise<string> {
    return this.fresh(path, async () =>
      this.nfs.readlink(await this.handleOf(path, signal), signal),
    );
  }

  /** Which of the `wanted` ACCESS3 bits the caller has on a path. Throws Nfs3Error. */
  async access(path: string, wanted: number, signal?: AbortSignal): Promise<number> {
    return this.fresh(path, async () =>
      this.nfs.access(await this.handleOf(path, signal), wanted, signal),
    );
  }

  /** Space and file slots of the export's file system. Throws Nfs3Error. */
  async fsstat(signal?: AbortSignal): Promise<FsStat> {
    return this.nfs.fsstat(this.root, signal);
  }

  /**
   * Runs `operation`, and once more after forgetting `path`'s cached handles when the server
   * says one is stale (NFS3ERR_STALE: the object was replaced, or the server lost its handles
   * on a restart): the retry looks the path up again.
   */
  private async fresh<T>(path: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof Nfs3Error) || error.code !== NFS3ERR_STALE || path === '') throw error;
      this.forget(path);
      return operation();
    }
  }

  /**
   * Forgets a path and everything below it (after REMOVE, RENAME, RMDIR, or NFS3ERR_STALE:
   * the next use looks it up again).
   */
  forget(path: string): void {
    for (const key of [...this.handles.keys()]) {
      if (key === path || key.startsWith(`${path}/`)) this.handles.delete(key);
    }
  }

  /**
   * A file's bytes `start`..`end` (inclusive; end past the file is clamped) as a stream, with
   * several READs in flight ahead of the reader (streamRead). Errors reach the stream as
   * Nfs3Error or the RPC client's errors; destroying it stops the reads.
   */
  async read(
    path: string,
    start = 0,
    end = Number.MAX_SAFE_INTEGER,
    signal?: AbortSignal,
  ): Promise<ReadStream> {
    const { handle, attributes } = await this.fresh(path, async () => {
      const found = await this.handleOf(path, signal);
      return { handle: found, attributes: await this.nfs.getattr(found, signal) };
    });
    if (attributes.type === 'dir') {
      throw new Nfs3Error(21, 'NFS3ERR_ISDIR', `READ ${path}: NFS3ERR_ISDIR`);
    }
    if (attributes.type !== 'file') {
      // A device, FIFO or socket: READ would block or mean nothing.
      throw new Nfs3Error(10007, 'NFS3ERR_BADTYPE', `READ ${path}: a ${attributes.type}`);
    }
    return streamRead({
      nfs: this.nfs,
      handle,
      start,
      last: Math.min(end, Number(attributes.size) - 1),
      chunkBytes: this.readChunk,
      signal,
    });
  }

  /**
   * Creates `path` with `mode` (GUARDED: fails with NFS3ERR_EXIST when it exists; UNCHECKED:
   * truncates; EXCLUSIVE: like GUARDED, but a CREATE sent again after a lost reply is
   * recognised) and writes `data` into it, durably (streamWrite: UNSTABLE WRITEs within
   * wtmax, COMMITs checked against the write verifier, resent after a server restart; one
   * FILE_SYNC WRITE for a file that fits in one). Owner and times are the caller's to set
   * afterwards (setattr). EXCLUSIVE sets no attributes at all, `mode` included: the server
   * keeps the verifier in the file's times until a SETATTR (RFC 1813, 3.3.8), which the caller
   * must send once the bytes are in, with the mode and times (the owner may write to the file
   * meanwhile, whatever its mode: servers let the creator of a file write to it, as open(2)
   * with O_CREAT does). The CREATE is never cancelled half-way (`signal` applies to the rest;
   * the RPC time limit to it): a server carries out a CREATE the client stopped waiting for, so
   * a caller that removes the file after a cancel must know the CREATE is done, or the file
   * appears after the removal. With `holes`, WRITEs of zeros only are not sent (streamWrite) and
   * the caller sets the size. Resolves with the bytes written (holes included). Throws Nfs3Error and the RPC
   * client's errors; the stream's own errors pass through.
   */
  async write(
    path: string,
    data: AsyncIterable<Buffer>,
    how: CreateMode,
    mode = DEFAULT_FILE_MODE,
    signal?: AbortSignal,
    holes = false,
  ): Promise<number> {
    const { parent, name } = split(path);
    const handle = await this.fresh(parent, async () => {
      const dir = await this.handleOf(parent, signal);
      if (how !== 'EXCLUSIVE') return this.nfs.create(dir, name, { mode: how, set: { mode } });
      return this.nfs.create(dir, name, { mode: how, verifier: randomBytes(8) });
    });
    this.remember(path, handle);
    return streamWrite(data, {
      nfs: this.nfs,
      handle,
      chunkBytes: this.writeChunk,
      path,
      signal,
      holes,
    });
  }

  private remember(path: string, handle: Buffer): void {
    if (this.handles.has(path)) this.handles.delete(path);
    if (this.handles.size >= HANDLE_CACHE_ENTRIES) {
      const oldest = this.handles.keys().next().value;
      if (oldest !== undefined) this.handles.delete(oldest);
    }
    this.handles.set(path, handle);
  }
}

/** A path's parent ('' for the root) and last name. */
function split(path: string): { parent: string; name: string } {
  const slash = path.lastIndexOf('/');
  return { parent: slash === -1 ? '' : path.slice(0, slash), name: path.slice(slash + 1) };
}
