import type { RpcClient } from './rpc-client';
import {
  checkStatus,
  FHSIZE3,
  readFattr3,
  readPostOpAttr,
  readPostOpFh,
  type Fattr3,
} from './nfs3-types';

/*
 * NFSv3 procedures (RFC 1813, section 3), each one call on the RPC client. Handles are opaque
 * buffers of at most 64 bytes; offsets, sizes and cookies are BigInt. Every procedure throws
 * Nfs3Error for a status other than NFS3_OK, naming the procedure and the object.
 */

const NFS_PROGRAM = 100003;
const NFS_V3 = 3;
const NAME_MAX = 255;
const ZERO_VERIFIER = Buffer.alloc(8);

export interface DirEntry {
  name: string;
  fileid: bigint;
  cookie: bigint;
  /** Attributes and handle, when the server sent them (READDIRPLUS usually does). */
  attributes: Fattr3 | null;
  handle: Buffer | null;
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

export class Nfs3Client {
  constructor(private readonly rpc: RpcClient) {}

  /** GETATTR. */
  async getattr(handle: Buffer, signal?: AbortSignal): Promise<Fattr3> {
    const xdr = await this.rpc.call(NFS_PROGRAM, NFS_V3, 1, (w) => void w.opaque(handle), signal);
    checkStatus(xdr.uint32(), 'GETATTR');
    return readFattr3(xdr);
  }

  /** LOOKUP `name` in the folder `dir`: its handle and attributes. */
  async lookup(
    dir: Buffer,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ handle: Buffer; attributes: Fattr3 | null }> {
    const xdr = await this.rpc.call(
      NFS_PROGRAM,
      NFS_V3,
      3,
      (w) => void w.opaque(dir).string(name),
      signal,
    );
    checkStatus(xdr.uint32(), `LOOKUP ${name}`);
    const handle = Buffer.from(xdr.opaque(FHSIZE3));
    return { handle, attributes: readPostOpAttr(xdr) };
  }

  /** READ up to `count` bytes at `offset` (a copy: it outlives the reply). */
  async read(
    handle: Buffer,
    offset: bigint,
    count: number,
    signal?: AbortSignal,
  ): Promise<{ data: Buffer; eof: boolean }> {
    const xdr = await this.rpc.call(
      NFS_PROGRAM,
      NFS_V3,
      6,
      (w) => void w.opaque(handle).uint64(offset).uint32(count),
      signal,
    );
    const status = xdr.uint32();
    readPostOpAttr(xdr);
    checkStatus(status, 'READ');
    xdr.uint32(); // count, repeated by the data's own length
    const eof = xdr.bool();
    return { data: Buffer.from(xdr.opaque(count)), eof };
  }

  /**
   * Every entry of a folder, page by page (READDIRPLUS with the cookie and its verifier),
   * '.' and '..' left out.
   */
  async *readdirplus(
    dir: Buffer,
    signal?: AbortSignal,
    pageBytes = 64 * 1024,
  ): AsyncGenerator<DirEntry> {
    let cookie = 0n;
    let verifier: Buffer = ZERO_VERIFIER;
    for (;;) {
      const xdr = await this.rpc.call(
        NFS_PROGRAM,
        NFS_V3,
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
        if (name !== '.' && name !== '..') yield { name, fileid, cookie, attributes, handle };
      }
      if (xdr.bool()) return; // eof
      if (entries === 0) {
        // Not at the end, and nothing in the page: the server would have us loop for ever.
        checkStatus(10005, 'READDIRPLUS (an empty page before the end)');
      }
    }
  }

  /** FSINFO: the server's transfer sizes (READ and WRITE calls must honour rtmax and wtmax). */
  async fsinfo(root: Buffer, signal?: AbortSignal): Promise<FsInfo> {
    const xdr = await this.rpc.call(NFS_PROGRAM, NFS_V3, 19, (w) => void w.opaque(root), signal);
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
}
