import type { XdrReader, XdrWriter } from './xdr';

/*
 * NFSv3 data types (RFC 1813, section 2.5) and the status codes every procedure answers with.
 */

/** NFS3_FHSIZE: a file handle is at most 64 bytes. */
export const FHSIZE3 = 64;

export const NFS3_STATUS: Record<number, string> = {
  1: 'NFS3ERR_PERM',
  2: 'NFS3ERR_NOENT',
  5: 'NFS3ERR_IO',
  6: 'NFS3ERR_NXIO',
  13: 'NFS3ERR_ACCES',
  17: 'NFS3ERR_EXIST',
  18: 'NFS3ERR_XDEV',
  19: 'NFS3ERR_NODEV',
  20: 'NFS3ERR_NOTDIR',
  21: 'NFS3ERR_ISDIR',
  22: 'NFS3ERR_INVAL',
  27: 'NFS3ERR_FBIG',
  28: 'NFS3ERR_NOSPC',
  30: 'NFS3ERR_ROFS',
  31: 'NFS3ERR_MLINK',
  63: 'NFS3ERR_NAMETOOLONG',
  66: 'NFS3ERR_NOTEMPTY',
  69: 'NFS3ERR_DQUOT',
  70: 'NFS3ERR_STALE',
  71: 'NFS3ERR_REMOTE',
  10001: 'NFS3ERR_BADHANDLE',
  10002: 'NFS3ERR_NOT_SYNC',
  10003: 'NFS3ERR_BAD_COOKIE',
  10004: 'NFS3ERR_NOTSUPP',
  10005: 'NFS3ERR_TOOSMALL',
  10006: 'NFS3ERR_SERVERFAULT',
  10007: 'NFS3ERR_BADTYPE',
  10008: 'NFS3ERR_JUKEBOX',
};

/** A procedure answered a status other than NFS3_OK; `status` is its name (NFS3ERR_NOENT...). */
export class Nfs3Error extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
    this.name = 'Nfs3Error';
  }
}

/** Throws Nfs3Error for a status other than 0; `what` names the call and object. */
export function checkStatus(code: number, what: string): void {
  if (code === 0) return;
  const status = NFS3_STATUS[code] ?? `NFS3ERR_${code}`;
  throw new Nfs3Error(code, status, `${what}: ${status}`);
}

export type FileType3 = 'file' | 'dir' | 'block' | 'char' | 'symlink' | 'socket' | 'fifo';
const TYPES: FileType3[] = ['file', 'dir', 'block', 'char', 'symlink', 'socket', 'fifo'];

export interface Fattr3 {
  type: FileType3;
  /** Permission bits (0o7777). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: bigint;
  used: bigint;
  fsid: bigint;
  fileid: bigint;
  /** Milliseconds since the epoch, with the nanoseconds as a fraction. */
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
}

function time(xdr: XdrReader): number {
  const seconds = xdr.uint32();
  const nanoseconds = xdr.uint32();
  return seconds * 1000 + nanoseconds / 1e6;
}

export function readFattr3(xdr: XdrReader): Fattr3 {
  const typeCode = xdr.uint32();
  const type = TYPES[typeCode - 1];
  if (!type) throw new Nfs3Error(10007, 'NFS3ERR_BADTYPE', `Unknown file type ${typeCode}`);
  const mode = xdr.uint32() & 0o7777;
  const nlink = xdr.uint32();
  const uid = xdr.uint32();
  const gid = xdr.uint32();
  const size = xdr.uint64();
  const used = xdr.uint64();
  xdr.uint32(); // rdev major
  xdr.uint32(); // rdev minor
  const fsid = xdr.uint64();
  const fileid = xdr.uint64();
  return {
    type,
    mode,
    nlink,
    uid,
    gid,
    size,
    used,
    fsid,
    fileid,
    atimeMs: time(xdr),
    mtimeMs: time(xdr),
    ctimeMs: time(xdr),
  };
}

/** post_op_attr: attributes when the server sent them. */
export function readPostOpAttr(xdr: XdrReader): Fattr3 | null {
  return xdr.bool() ? readFattr3(xdr) : null;
}

/** fattr3 on the wire: 5 uint32 (type to gid), size and used, rdev (2 uint32), fsid and fileid, 3 times. */
const FATTR3_BYTES = 84;

/**
 * post_op_attr skipped, not decoded: a READ or WRITE reply carries one that nothing uses, and
 * decoding it costs objects and BigInts per call. Throws XdrError when truncated.
 */
export function skipPostOpAttr(xdr: XdrReader): void {
  if (xdr.bool()) xdr.fixedOpaque(FATTR3_BYTES);
}

/** post_op_fh3: a file handle when the server sent one. */
export function readPostOpFh(xdr: XdrReader): Buffer | null {
  return xdr.bool() ? Buffer.from(xdr.opaque(FHSIZE3)) : null;
}

/** Attributes to set (sattr3); absent fields are left as they are. */
export interface SetAttributes {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: bigint;
  /** Milliseconds since the epoch, or 'server' for the server's clock. */
  atimeMs?: number | 'server';
  mtimeMs?: number | 'server';
}

function writeTime(w: XdrWriter, ms: number | 'server' | undefined): void {
  if (ms === undefined) {
    w.uint32(0); // DONT_CHANGE
    return;
  }
  if (ms === 'server') {
    w.uint32(1); // SET_TO_SERVER_TIME
    return;
  }
  const seconds = Math.floor(ms / 1000);
  const nanoseconds = Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6));
  w.uint32(2).uint32(seconds).uint32(nanoseconds); // SET_TO_CLIENT_TIME
}

export function writeSattr3(w: XdrWriter, set: SetAttributes): void {
  for (const value of [set.mode, set.uid, set.gid]) {
    w.bool(value !== undefined);
    if (value !== undefined) w.uint32(value);
  }
  w.bool(set.size !== undefined);
  if (set.size !== undefined) w.uint64(set.size);
  writeTime(w, set.atimeMs);
  writeTime(w, set.mtimeMs);
}

/** wcc_data: the attributes before and after, which the callers here do not need. */
export function skipWccData(xdr: XdrReader): void {
  if (xdr.bool()) {
    xdr.uint64(); // size
    xdr.uint32(); // mtime
    xdr.uint32();
    xdr.uint32(); // ctime
    xdr.uint32();
  }
  skipPostOpAttr(xdr);
}
