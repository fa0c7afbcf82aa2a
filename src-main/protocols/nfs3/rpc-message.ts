import { XdrError, XdrReader, XdrWriter } from './xdr';

/*
 * ONC RPC version 2 messages (RFC 5531): CALL headers with AUTH_NONE or AUTH_SYS credentials,
 * and REPLY headers, whose failures become RpcError with the status named.
 */

const CALL = 0;
const REPLY = 1;
const MSG_ACCEPTED = 0;
const MSG_DENIED = 1;
const AUTH_NONE = 0;
const AUTH_SYS = 1;
/** RFC 5531: the machine name is at most 255 bytes, and at most 16 supplementary groups. */
const MAX_MACHINE_NAME = 255;
const MAX_GROUPS = 16;

const ACCEPT_STATUS = [
  'SUCCESS',
  'PROG_UNAVAIL',
  'PROG_MISMATCH',
  'PROC_UNAVAIL',
  'GARBAGE_ARGS',
  'SYSTEM_ERR',
] as const;
const AUTH_STATUS = [
  'AUTH_OK',
  'AUTH_BADCRED',
  'AUTH_REJECTEDCRED',
  'AUTH_BADVERF',
  'AUTH_REJECTEDVERF',
  'AUTH_TOOWEAK',
  'AUTH_INVALIDRESP',
  'AUTH_FAILED',
] as const;

export type RpcStatus =
  | Exclude<(typeof ACCEPT_STATUS)[number], 'SUCCESS'>
  | 'RPC_MISMATCH'
  | Exclude<(typeof AUTH_STATUS)[number], 'AUTH_OK'>;

/** The server refused a call; `status` names why (PROG_UNAVAIL, AUTH_REJECTEDCRED...). */
export class RpcError extends Error {
  constructor(
    readonly status: RpcStatus,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** AUTH_SYS credentials (RFC 5531 appendix A). */
export interface AuthSys {
  machineName: string;
  uid: number;
  gid: number;
  gids?: number[];
  /** Seconds since the epoch; servers ignore it. */
  stamp?: number;
}

export interface CallHeader {
  xid: number;
  program: number;
  version: number;
  procedure: number;
  /** Absent: AUTH_NONE. */
  auth?: AuthSys;
}

/** A writer holding the CALL header; append the procedure's arguments to it. */
export function callWriter(header: CallHeader): XdrWriter {
  const xdr = new XdrWriter(512)
    .uint32(header.xid)
    .uint32(CALL)
    .uint32(2) // RPC version
    .uint32(header.program)
    .uint32(header.version)
    .uint32(header.procedure);
  if (header.auth) {
    const gids = header.auth.gids ?? [];
    if (gids.length > MAX_GROUPS) throw new RangeError(`AUTH_SYS allows ${MAX_GROUPS} groups`);
    const name = Buffer.from(header.auth.machineName, 'utf8');
    if (name.length > MAX_MACHINE_NAME) throw new RangeError('AUTH_SYS machine name too long');
    const body = new XdrWriter(64)
      .uint32(header.auth.stamp ?? 0)
      .opaque(name)
      .uint32(header.auth.uid)
      .uint32(header.auth.gid)
      .uint32(gids.length);
    for (const gid of gids) body.uint32(gid);
    xdr.uint32(AUTH_SYS).opaque(body.bytes());
  } else {
    xdr.uint32(AUTH_NONE).opaque(new Uint8Array(0));
  }
  return xdr.uint32(AUTH_NONE).opaque(new Uint8Array(0)); // verifier
}

/** The xid of a record, to route it to its call; null when it is too short to have one. */
export function xidOf(record: Buffer): number | null {
  return record.length >= 4 ? record.readUInt32BE(0) : null;
}

/**
 * Parses a REPLY header and returns a reader positioned at the procedure's results.
 * Throws RpcError when the server refused the call, XdrError when the record is malformed.
 */
export function readReply(record: Buffer): { xid: number; results: XdrReader } {
  const xdr = new XdrReader(record);
  const xid = xdr.uint32();
  const type = xdr.uint32();
  if (type !== REPLY)
    throw new XdrError(`Malformed RPC: message type ${type} where a reply was due`);
  const state = xdr.uint32();
  if (state === MSG_ACCEPTED) {
    xdr.uint32(); // verifier flavor
    xdr.opaque(400); // verifier body (RFC 5531: at most 400 bytes)
    const status = xdr.uint32();
    if (status === 0) return { xid, results: xdr };
    const name = ACCEPT_STATUS[status];
    if (!name) throw new XdrError(`Malformed RPC: accept status ${status}`);
    if (name === 'PROG_MISMATCH') {
      const low = xdr.uint32();
      const high = xdr.uint32();
      throw new RpcError(name, `The server speaks versions ${low} to ${high} of this program only`);
    }
    throw new RpcError(name as RpcStatus, `The server refused the call: ${name}`);
  }
  if (state === MSG_DENIED) {
    const reason = xdr.uint32();
    if (reason === 0) {
      const low = xdr.uint32();
      const high = xdr.uint32();
      throw new RpcError('RPC_MISMATCH', `The server speaks RPC versions ${low} to ${high} only`);
    }
    if (reason === 1) {
      const status = xdr.uint32();
      const name = AUTH_STATUS[status];
      if (!name || name === 'AUTH_OK') throw new XdrError(`Malformed RPC: auth status ${status}`);
      throw new RpcError(name, `The server refused the credentials: ${name}`);
    }
    throw new XdrError(`Malformed RPC: reject status ${reason}`);
  }
  throw new XdrError(`Malformed RPC: reply state ${state}`);
}
