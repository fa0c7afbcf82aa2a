/*
 * The SMB2 packet header (MS-SMB2 2.2.1): 64 bytes in front of every request and response,
 * little-endian. Synchronous and asynchronous forms differ only in bytes 32..39 (Reserved and
 * TreeId, or the AsyncId a server gives an operation it answered STATUS_PENDING to).
 */

export const HEADER_SIZE = 64;
const PROTOCOL_ID = 0x424d53fe; // 0xFE 'S' 'M' 'B', read little-endian

export const Command = {
  NEGOTIATE: 0x0000,
  SESSION_SETUP: 0x0001,
  LOGOFF: 0x0002,
  TREE_CONNECT: 0x0003,
  TREE_DISCONNECT: 0x0004,
  CREATE: 0x0005,
  CLOSE: 0x0006,
  FLUSH: 0x0007,
  READ: 0x0008,
  WRITE: 0x0009,
  LOCK: 0x000a,
  IOCTL: 0x000b,
  CANCEL: 0x000c,
  ECHO: 0x000d,
  QUERY_DIRECTORY: 0x000e,
  CHANGE_NOTIFY: 0x000f,
  QUERY_INFO: 0x0010,
  SET_INFO: 0x0011,
  OPLOCK_BREAK: 0x0012,
} as const;

export const Flags = {
  SERVER_TO_REDIR: 0x00000001,
  ASYNC_COMMAND: 0x00000002,
  RELATED_OPERATIONS: 0x00000004,
  SIGNED: 0x00000008,
} as const;

/** The header's fields, as parsed or to be written. */
export interface Smb2Header {
  creditCharge: number;
  /** Requests: ChannelSequence/Reserved (0 here). Responses: the NT status. */
  status: number;
  command: number;
  /** Credits asked for (requests) or granted (responses). */
  credits: number;
  flags: number;
  nextCommand: number;
  messageId: bigint;
  /** Set when flags has ASYNC_COMMAND. */
  asyncId: bigint;
  treeId: number;
  sessionId: bigint;
  signature: Buffer;
}

/** Thrown for bytes that are not an SMB2 message (wrong protocol id, too short). */
export class Smb2FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Smb2FormatError';
  }
}

/** A 64-byte header for a request; the signature is left zero (signing fills it). */
export function writeHeader(fields: {
  command: number;
  messageId: bigint;
  creditCharge?: number;
  credits?: number;
  flags?: number;
  treeId?: number;
  sessionId?: bigint;
  asyncId?: bigint;
}): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(PROTOCOL_ID, 0);
  header.writeUInt16LE(HEADER_SIZE, 4); // StructureSize
  header.writeUInt16LE(fields.creditCharge ?? 1, 6);
  header.writeUInt16LE(fields.command, 12);
  header.writeUInt16LE(fields.credits ?? 1, 14);
  const flags = fields.flags ?? 0;
  header.writeUInt32LE(flags, 16);
  header.writeBigUInt64LE(fields.messageId, 24);
  if (flags & Flags.ASYNC_COMMAND) header.writeBigUInt64LE(fields.asyncId ?? 0n, 32);
  else header.writeUInt32LE(fields.treeId ?? 0, 36);
  header.writeBigUInt64LE(fields.sessionId ?? 0n, 40);
  return header;
}

/** The header at the start of `message`. Throws Smb2FormatError when it is not one. */
export function readHeader(message: Buffer): Smb2Header {
  if (message.length < HEADER_SIZE) {
    throw new Smb2FormatError(`SMB2 message of ${message.length} bytes: shorter than its header`);
  }
  if (message.readUInt32LE(0) !== PROTOCOL_ID || message.readUInt16LE(4) !== HEADER_SIZE) {
    throw new Smb2FormatError('Not an SMB2 message (protocol id or header size)');
  }
  const flags = message.readUInt32LE(16);
  const async = (flags & Flags.ASYNC_COMMAND) !== 0;
  return {
    creditCharge: message.readUInt16LE(6),
    status: message.readUInt32LE(8),
    command: message.readUInt16LE(12),
    credits: message.readUInt16LE(14),
    flags,
    nextCommand: message.readUInt32LE(20),
    messageId: message.readBigUInt64LE(24),
    asyncId: async ? message.readBigUInt64LE(32) : 0n,
    treeId: async ? 0 : message.readUInt32LE(36),
    sessionId: message.readBigUInt64LE(40),
    signature: message.subarray(48, 64),
  };
}
