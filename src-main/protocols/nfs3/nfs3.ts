import type { RpcClient } from './rpc-client';
import type { XdrReader, XdrWriter } from './xdr';
import { RpcConnectionError } from './rpc-client';
import {
  checkStatus,
  FHSIZE3,
  readFattr3,
  readPostOpAttr,
  readPostOpFh,
  skipPostOpAttr,
  skipWccData,
  writeSattr3,
  type Fattr3,
  type SetAttributes,
} from './nfs3-types';

/*
 * NFSv3 procedures (RFC 1813, section 3), each one call on the RPC client. Handles are opaque
 * buffers of at most 64 bytes; offsets, sizes and cookies are BigInt. Every procedure throws
 * Nfs3Error for a status other than NFS3_OK, naming the procedure and the object.
 */

const NFS_PROGRAM = 100003;
const NFS_V3 = 3;
const NAME_MAX = 255;
const PATH_MAX = 4096;
const ZERO_VERIFIER = Buffer.alloc(8);
const BAD_COOKIE = 10003;
/** Listings started over after NFS3ERR_BAD_COOKIE before giving up (a folder never still). */
const MAX_LISTING_RESTARTS = 3;

export interface DirEntry {
  name: string;
  fileid: bigint;
  cookie: bigint;
  /** Attributes and handle, when the server sent them (READDIRPLUS usually does). */
  attributes: Fattr3 | null;
  handle: Buffer | null;
}

/** How a WRITE is to be stored (stable_how). */
export type Stability = 'UNSTABLE' | 'DATA_SYNC' | 'FILE_SYNC';
const STABILITY: Stability[] = ['UNSTABLE', 'DATA_SYNC', 'FILE_SYNC'];

export interface WriteResult {
  count: number;
  committed: Stability;
  /** The server's write verifier: a different one at COMMIT means it restarted. */
  verifier: Buffer;
}

export interface FsInfo {
  /** Largest and preferred READ and WRITE sizes. */
  rtmax: number;
  rtpref: number;
  wtmax: number;
  wtpref: number;
  dtpref: number;
  maxFileSize: bigint;
}

/** NFS3ERR_JUKEBOX: the file is being brought back (from tape, an HSM); try again later. */
const JUKEBOX = 10008;
const JUKEBOX_RETRIES = 8;

export interface FsStat {
  totalBytes: bigint;
  freeBytes: bigint;
  /** Free to the caller (quotas and reserved blocks taken off). */
  availableBytes: bigint;
  totalFiles: bigint;
  freeFiles: bigint;
}

export class Nfs3Client {
  constructor(
    private readonly rpc: RpcClient,
    /** The first wait after NFS3ERR_JUKEBOX; it doubles up to 8 s. */
    private readonly jukeboxDelayMs = 250,
  ) {}

  /** GETATTR. */
  async getattr(handle: Buffer, signal?: AbortSignal): Promise<Fattr3> {
    const xdr = await this.call(1, (w) => void w.opaque(handle), signal);
    checkStatus(xdr.uint32(), 'GETATTR');
    return readFattr3(xdr);
  }

  /** LOOKUP `name` in the folder `dir`: its handle and attributes. */
  async lookup(
    dir: Buffer,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ handle: Buffer; attributes: Fattr3 | null }> {
    const xdr = await this.call(3, (w) => void w.opaque(dir).string(name), signal);
    checkStatus(xdr.uint32(), `LOOKUP ${name}`);
    const handle = Buffer.from(xdr.opaque(FHSIZE3));
    return { handle, attributes: readPostOpAttr(xdr) };
  }

  /**
   * READ up to `count` bytes at `offset` (a view into the reply, which nothing else holds). The
   * reply's attributes are skipped, not decoded: nothing uses them.
   */
  async read(
    handle: Buffer,
    offset: bigint,
    count: number,
    signal?: AbortSignal,
  ): Promise<{ data: Buffer; eof: boolean }> {
    const xdr = await this.call(
      6,
      (w) => void w.opaque(handle).uint64(offset).uint32(count),
      signal,
    );
    const status = xdr.uint32();
    skipPostOpAttr(xdr);
    checkStatus(status, 'READ');
    xdr.uint32(); // count, repeated by the data's own length
    const eof = xdr.bool();
    // A view into the reply's own buffer (RecordReader gives each record one): no copy.
    return { data: xdr.opaque(count), eof };
  }

  /**
   * Gives the reply buffer of a READ's `data` back for another reply to be read into (the RPC
   * client's reply pool): the caller promises that nothing reads `data`, or any other view into
   * that reply, any more. Does nothing for data that did not come from the pool.
   */
  releaseRead(data: Uint8Array): void {
    this.rpc.releaseReply(data);
  }

  /**
   * Every entry of a folder, page by page (READDIRPLUS with the cookie and its verifier),
   * '.' and '..' left out. When the server says a cookie expired (NFS3ERR_BAD_COOKIE: the
   * folder changed between pages, or the server restarted) the listing starts over from the
   * beginning, and names already given are not given again.
   */
  async *readdirplus(
    dir: Buffer,
    signal?: AbortSignal,
    pageBytes = 64 * 1024,
  ): AsyncGenerator<DirEntry> {
    let cookie = 0n;
    let verifier: Buffer = ZERO_VERIFIER;
    let restarts = 0;
    const given = new Set<string>();
    // Every cookie a page was asked from since the listing (re)started: a page that leads back
    // to one of them would have the listing go round in circles for ever.
    const asked = new Set<bigint>();
    for (;;) {
      const sent = cookie;
      asked.add(cookie);
      const xdr = await this.call(
        17,
        (w) =>
          void w
            .opaque(dir)
            .uint64(cookie)
            .fixedOpaque(verifier)
            .uint32(pageBytes)
            .uint32(pageBytes * 4),
        signal,
      );
      const status = xdr.uint32();
      readPostOpAttr(xdr);
      if (status === BAD_COOKIE && cookie !== 0n && restarts < MAX_LISTING_RESTARTS) {
        restarts++;
        cookie = 0n;
        verifier = ZERO_VERIFIER;
        asked.clear();
        continue;
      }
      checkStatus(status, 'READDIRPLUS');
      verifier = Buffer.from(xdr.fixedOpaque(8));
      let entries = 0;
      while (xdr.bool()) {
        const fileid = xdr.uint64();
        const name = xdr.string(NAME_MAX);
        cookie = xdr.uint64();
        const attributes = readPostOpAttr(xdr);
        const handle = readPostOpFh(xdr);
        entries++;
        // Known by file id and name: two names that are not UTF-8 can decode alike, and must
        // both reach the caller (which refuses them); a restarted listing repeats both parts.
        const key = `${fileid}/${name}`;
        if (name === '.' || name === '..' || given.has(key)) continue;
        given.add(key);
        yield { name, fileid, cookie, attributes, handle };
      }
      if (xdr.bool()) return; // eof
      if (entries === 0 || cookie === sent) {
        // Not at the end, and the page did not move on: the server would have us loop for ever.
        checkStatus(10005, 'READDIRPLUS (a page that does not move on before the end)');
      }
      if (asked.has(cookie)) {
        checkStatus(10005, `READDIRPLUS (cookie ${cookie} leads back to a page already read)`);
      }
    }
  }

  /** READLINK: a symbolic link's target, as stored. */
  async readlink(handle: Buffer, signal?: AbortSignal): Promise<string> {
    const xdr = await this.call(5, (w) => void w.opaque(handle), signal);
    const status = xdr.uint32();
    readPostOpAttr(xdr);
    checkStatus(status, 'READLINK');
    return xdr.string(PATH_MAX);
  }

  /** SYMLINK `name` in `dir` pointing at `target`; resolves with the link's handle. */
  async symlink(
    dir: Buffer,
    name: string,
    target: string,
    set: SetAttributes,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const xdr = await this.call(
      10,
      (w) => {
        w.opaque(dir).string(name);
        writeSattr3(w, set);
        w.string(target);
      },
      signal,
    );
    return this.created(xdr, `SYMLINK ${name}`, dir, name, signal);
  }

  /** FSSTAT: the file system's size, free space and free file slots. */
  async fsstat(root: Buffer, signal?: AbortSignal): Promise<FsStat> {
    const xdr = await this.call(18, (w) => void w.opaque(root), signal);
    const status = xdr.uint32();
    readPostOpAttr(xdr);
    checkStatus(status, 'FSSTAT');
    const totalBytes = xdr.uint64();
    const freeBytes = xdr.uint64();
    const availableBytes = xdr.uint64();
    const totalFiles = xdr.uint64();
    const freeFiles = xdr.uint64();
    return { totalBytes, freeBytes, availableBytes, totalFiles, freeFiles };
  }

  /** FSINFO: the server's transfer sizes (READ and WRITE calls must honour rtmax and wtmax). */
  async fsinfo(root: Buffer, signal?: AbortSignal): Promise<FsInfo> {
    const xdr = await this.call(19, (w) => void w.opaque(root), signal);
    const status = xdr.uint32();
    readPostOpAttr(xdr);
    checkStatus(status, 'FSINFO');
    const rtmax = xdr.uint32();
    const rtpref = xdr.uint32();
    xdr.uint32(); // rtmult
    const wtmax = xdr.uint32();
    const wtpref = xdr.uint32();
    xdr.uint32(); // wtmult
    const dtpref = xdr.uint32();
    const maxFileSize = xdr.uint64();
    return { rtmax, rtpref, wtmax, wtpref, dtpref, maxFileSize };
  }

  /** SETATTR (no guard). */
  async setattr(handle: Buffer, set: SetAttributes, signal?: AbortSignal): Promise<void> {
    const xdr = await this.call(
      2,
      (w) => {
        w.opaque(handle);
        writeSattr3(w, set);
        w.bool(false); // no ctime guard
      },
      signal,
    );
    const status = xdr.uint32();
    skipWccData(xdr);
    checkStatus(status, 'SETATTR');
  }

  /** ACCESS: which of the `wanted` bits (ACCESS3_READ = 1, ...) the caller has. */
  async access(handle: Buffer, wanted: number, signal?: AbortSignal): Promise<number> {
    const xdr = await this.call(4, (w) => void w.opaque(handle).uint32(wanted), signal);
    const status = xdr.uint32();
    readPostOpAttr(xdr);
    checkStatus(status, 'ACCESS');
    return xdr.uint32();
  }

  /** WRITE `data` at `offset` (a server may store fewer bytes: see `count`). */
  async write(
    handle: Buffer,
    offset: bigint,
    data: Uint8Array,
    stable: Stability,
    signal?: AbortSignal,
  ): Promise<WriteResult> {
    const xdr = await this.call(
      7,
      (w) =>
        void w
          .opaque(handle)
          .uint64(offset)
          .uint32(data.length)
          .uint32(STABILITY.indexOf(stable))
          .opaqueBorrowed(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
      signal,
    );
    const status = xdr.uint32();
    skipWccData(xdr);
    checkStatus(status, 'WRITE');
    const count = xdr.uint32();
    const committed = STABILITY[xdr.uint32()] ?? 'UNSTABLE';
    return { count, committed, verifier: Buffer.from(xdr.fixedOpaque(8)) };
  }

  /** COMMIT what UNSTABLE writes left in the server's memory; resolves with its verifier. */
  async commit(handle: Buffer, signal?: AbortSignal): Promise<Buffer> {
    const xdr = await this.call(21, (w) => void w.opaque(handle).uint64(0n).uint32(0), signal);
    const status = xdr.uint32();
    skipWccData(xdr);
    checkStatus(status, 'COMMIT');
    return Buffer.from(xdr.fixedOpaque(8));
  }

  /**
   * CREATE `name` in `dir`. GUARDED fails with NFS3ERR_EXIST when it exists; UNCHECKED
   * truncates it; EXCLUSIVE stores `how.verifier` with the file so that a CREATE sent again
   * after a lost reply (a server without the first call in its duplicate cache) is recognised
   * as ours instead of failing with NFS3ERR_EXIST. An EXCLUSIVE create sets no attributes: the
   * server keeps the verifier in them until a SETATTR. Resolves with the new file's handle.
   */
  async create(
    dir: Buffer,
    name: string,
    how:
      | { mode: 'GUARDED' | 'UNCHECKED'; set?: SetAttributes }
      | { mode: 'EXCLUSIVE'; verifier: Buffer },
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const xdr = await this.call(
      8,
      (w) => {
        w.opaque(dir).string(name);
        if (how.mode === 'EXCLUSIVE') {
          if (how.verifier.length !== 8) {
            throw new RangeError(`A CREATE verifier is 8 bytes, not ${how.verifier.length}`);
          }
          w.uint32(2).fixedOpaque(how.verifier);
        } else {
          w.uint32(how.mode === 'GUARDED' ? 1 : 0);
          writeSattr3(w, how.set ?? {});
        }
      },
      signal,
    );
    return this.created(xdr, `CREATE ${name}`, dir, name, signal);
  }

  /** MKDIR `name` in `dir`; resolves with its handle. */
  async mkdir(
    dir: Buffer,
    name: string,
    set: SetAttributes,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const xdr = await this.call(
      9,
      (w) => {
        w.opaque(dir).string(name);
        writeSattr3(w, set);
      },
      signal,
    );
    return this.created(xdr, `MKDIR ${name}`, dir, name, signal);
  }

  /** REMOVE a file (or link) `name` from `dir`. */
  async remove(dir: Buffer, name: string, signal?: AbortSignal): Promise<void> {
    await this.dirop(12, 'REMOVE', dir, name, signal);
  }

  /** RMDIR an empty folder `name` from `dir`. */
  async rmdir(dir: Buffer, name: string, signal?: AbortSignal): Promise<void> {
    await this.dirop(13, 'RMDIR', dir, name, signal);
  }

  /** RENAME `from`/`fromName` to `to`/`toName` (replacing a file there). */
  async rename(
    from: Buffer,
    fromName: string,
    to: Buffer,
    toName: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const xdr = await this.call(
      14,
      (w) => void w.opaque(from).string(fromName).opaque(to).string(toName),
      signal,
    );
    const status = xdr.uint32();
    skipWccData(xdr);
    skipWccData(xdr);
    checkStatus(status, `RENAME ${fromName} -> ${toName}`);
  }

  /**
   * LINK (RFC 1813, 3.3.15): `dir`/`name` becomes another name of the file `file`. Throws
   * Nfs3Error (NFS3ERR_EXIST when the name is taken, NFS3ERR_XDEV, NFS3ERR_NOTSUPP, NFS3ERR_MLINK).
   */
  async link(file: Buffer, dir: Buffer, name: string, signal?: AbortSignal): Promise<void> {
    const xdr = await this.call(15, (w) => void w.opaque(file).opaque(dir).string(name), signal);
    const status = xdr.uint32();
    readPostOpAttr(xdr);
    skipWccData(xdr);
    checkStatus(status, `LINK ${name}`);
  }

  /**
   * One NFSv3 call. NFS3ERR_JUKEBOX (the server is fetching the file from slower storage, or
   * is otherwise busy: RFC 1813 says try later) is waited out and the call sent again, up to
   * eight times over about a minute, before the caller sees it.
   */
  private async call(
    procedure: number,
    args: (xdr: XdrWriter) => void,
    signal?: AbortSignal,
  ): Promise<XdrReader> {
    for (let attempt = 0; ; attempt++) {
      const xdr = await this.rpc.call(NFS_PROGRAM, NFS_V3, procedure, args, signal);
      if (attempt >= JUKEBOX_RETRIES || xdr.peekUint32() !== JUKEBOX) return xdr;
      await sleep(Math.min(8000, this.jukeboxDelayMs * 2 ** attempt), signal);
    }
  }

  private async dirop(
    procedure: number,
    name: string,
    dir: Buffer,
    entry: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const xdr = await this.call(procedure, (w) => void w.opaque(dir).string(entry), signal);
    const status = xdr.uint32();
    skipWccData(xdr);
    checkStatus(status, `${name} ${entry}`);
  }

  /** The handle a CREATE or MKDIR answered, or a LOOKUP when the server sent none. */
  private async created(
    xdr: XdrReader,
    what: string,
    dir: Buffer,
    name: string,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const status = xdr.uint32();
    if (status !== 0) {
      skipWccData(xdr);
      checkStatus(status, what);
    }
    const handle = readPostOpFh(xdr);
    return handle ?? (await this.lookup(dir, name, signal)).handle;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      signal?.removeEventListener('abort', cancel);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const cancel = (): void => {
      clearTimeout(timer);
      reject(
        new RpcConnectionError(
          'cancelled',
          'Cancelled while the server was busy (NFS3ERR_JUKEBOX)',
        ),
      );
    };
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
  });
}
