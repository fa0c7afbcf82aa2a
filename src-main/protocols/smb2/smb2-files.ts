import type { Smb2Client, Smb2Tree } from './smb2-client';
import { Command, HEADER_SIZE, Smb2FormatError } from './smb2-header';
import { encodeIoctlRequest, readIoctlAnswer, type IoctlAnswer } from './smb2-ioctl';
import { DIALECTS, slice } from './smb2-negotiate';
import { Smb2StatusError, Status } from './smb2-status';
import { RELATED_FILE_ID, type CompoundElement, type Smb2Response } from './smb2-transport';

/*
 * The file operations of one share (MS-SMB2 2.2.13-2.2.40): CREATE, CLOSE, READ, WRITE, FLUSH,
 * QUERY_DIRECTORY, QUERY_INFO and SET_INFO. Paths are relative to the share's root with
 * backslashes ('' is the root). Large READs and WRITEs cost one credit per 64 KiB.
 */

export const Access = {
  READ_DATA: 0x00000001,
  WRITE_DATA: 0x00000002,
  APPEND_DATA: 0x00000004,
  READ_EA: 0x00000008,
  WRITE_EA: 0x00000010,
  READ_ATTRIBUTES: 0x00000080,
  WRITE_ATTRIBUTES: 0x00000100,
  DELETE: 0x00010000,
  READ_CONTROL: 0x00020000,
  WRITE_DAC: 0x00040000,
  WRITE_OWNER: 0x00080000,
  SYNCHRONIZE: 0x00100000,
  ACCESS_SYSTEM_SECURITY: 0x01000000,
  MAXIMUM_ALLOWED: 0x02000000,
} as const;

export const Disposition = {
  SUPERSEDE: 0,
  OPEN: 1,
  CREATE: 2,
  OPEN_IF: 3,
  OVERWRITE: 4,
  OVERWRITE_IF: 5,
} as const;

export const CreateOption = {
  DIRECTORY_FILE: 0x00000001,
  WRITE_THROUGH: 0x00000002,
  SEQUENTIAL_ONLY: 0x00000004,
  NON_DIRECTORY_FILE: 0x00000040,
  DELETE_ON_CLOSE: 0x00001000,
  OPEN_REPARSE_POINT: 0x00200000,
} as const;

export const ShareAccess = { READ: 1, WRITE: 2, DELETE: 4, ALL: 7 } as const;
/** MS-SMB2 2.2.15: the answer carries the attributes as they are at the close. */
const CLOSE_FLAG_POSTQUERY_ATTRIB = 0x0001;

export const InfoType = { FILE: 1, FILESYSTEM: 2, SECURITY: 3 } as const;

export interface CreateRequest {
  access: number;
  disposition: number;
  options?: number;
  attributes?: number;
  shareAccess?: number;
}

export interface OpenFile {
  /** Persistent and volatile ids, as the server gave them. */
  id: Buffer;
  /** What CREATE did: 0 superseded, 1 opened, 2 created, 3 overwritten. */
  action: number;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  endOfFile: bigint;
  attributes: number;
}

export class Smb2Share {
  /** Largest READ and WRITE the server takes (8 MiB at most: more gains nothing). */
  readonly maxRead: number;
  readonly maxWrite: number;
  private readonly multiCredit: boolean;

  constructor(
    private readonly client: Smb2Client,
    readonly tree: Smb2Tree,
  ) {
    const limit = 8 * 1024 * 1024;
    const n = client.negotiated;
    this.multiCredit = n.dialect !== DIALECTS.SMB202;
    const single = 65536;
    this.maxRead = Math.min(
      limit,
      this.multiCredit ? n.maxReadSize : Math.min(single, n.maxReadSize),
    );
    this.maxWrite = Math.min(
      limit,
      this.multiCredit ? n.maxWriteSize : Math.min(single, n.maxWriteSize),
    );
  }

  /** "\\host\share\path", for messages. */
  where(path: string): string {
    return `${this.client.unc(this.tree.share)}${path ? `\\${path}` : ''}`;
  }

  /** CREATE. Throws Smb2StatusError (STATUS_OBJECT_NAME_NOT_FOUND, ..._COLLISION, ACCESS_DENIED...). */
  async create(path: string, request: CreateRequest, signal?: AbortSignal): Promise<OpenFile> {
    const what = `CREATE ${this.where(path)}`;
    const response = await this.send(Command.CREATE, createBody(path, request), what, signal);
    return parseCreate(response, what);
  }

  /**
   * CREATE, WRITE of `data` (at most maxWrite) at 0, then SET_INFO of each of `infos`, as one
   * compound chain: one round trip. Throws Smb2StatusError with the CREATE's status when it
   * failed (nothing is open then). Otherwise resolves with the open file and, when a later
   * element failed or the WRITE took less than it was given, `failure`: the first status the
   * server answered that was not success (the elements after a failed one are failed by the
   * server too and say nothing more), or a FormatError for a short write; the caller decides
   * what becomes of the open file.
   */
  async createWriteSet(
    path: string,
    request: CreateRequest,
    data: readonly Buffer[],
    infos: readonly SetInfoRequest[],
    signal?: AbortSignal,
  ): Promise<{ file: OpenFile; failure: Error | null }> {
    const length = data.reduce((sum, piece) => sum + piece.length, 0);
    const what = `CREATE ${this.where(path)}`;
    const responses = await this.client.transport.compound(
      [
        { command: Command.CREATE, body: createBody(path, request) },
        {
          command: Command.WRITE,
          body: writeBody(RELATED_FILE_ID, 0n, length),
          payload: data,
          creditCharge: this.charge(length),
        },
        ...infos.map((info) => ({
          command: Command.SET_INFO,
          body: setInfoBody(RELATED_FILE_ID, info),
        })),
      ],
      { ...this.target(0), signal },
    );
    const [created, written, ...set] = responses as [Smb2Response, Smb2Response, ...Smb2Response[]];
    this.check(created, what);
    const file = parseCreate(created, what);
    try {
      this.check(written, 'WRITE');
      const count = parseWrite(written, length);
      if (count < length) throw new Smb2FormatError(`WRITE took ${count} bytes of ${length}`);
      for (const response of set) this.check(response, 'SET_INFO');
      return { file, failure: null };
    } catch (error) {
      return { file, failure: error as Error };
    }
  }

  /**
   * CREATE, READ of `length` bytes at `offset` (none when 0), CLOSE with the attributes of the
   * moment, as one compound chain: one round trip for a small file. Resolves with what CREATE
   * said of the file, the bytes read (fewer at the end of the file), and the attributes at the
   * close (null when the server's CLOSE answered none: the caller asks another way). Throws Smb2StatusError with the first status that was not success (a CREATE that
   * failed opened nothing; when the READ or CLOSE failed the file is closed again, apart).
   */
  async createReadClose(
    path: string,
    request: CreateRequest,
    offset: bigint,
    length: number,
    signal?: AbortSignal,
  ): Promise<{ file: OpenFile; data: Buffer; atClose: FileAttributes | null }> {
    const what = `CREATE ${this.where(path)}`;
    const elements: CompoundElement[] = [
      { command: Command.CREATE, body: createBody(path, request) },
    ];
    if (length > 0) {
      elements.push({
        command: Command.READ,
        body: readBody(RELATED_FILE_ID, offset, length),
        creditCharge: this.charge(length),
      });
    }
    elements.push({
      command: Command.CLOSE,
      body: closeBody(RELATED_FILE_ID, CLOSE_FLAG_POSTQUERY_ATTRIB),
    });
    const responses = await this.client.transport.compound(elements, { ...this.target(0), signal });
    const created = responses[0] as Smb2Response;
    const closed = responses[responses.length - 1] as Smb2Response;
    this.check(created, what);
    const file = parseCreate(created, what);
    try {
      const read = length > 0 ? (responses[1] as Smb2Response) : null;
      const data = read ? this.readData(read, length) : Buffer.alloc(0);
      this.check(closed, 'CLOSE');
      return { file, data, atClose: parseCloseAttributes(closed) };
    } catch (error) {
      // A server may fail the CLOSE after a failed READ with the READ's status: the handle is
      // still open then.
      if (closed.header.status !== Status.SUCCESS) await this.close(file).catch(() => undefined);
      throw error;
    }
  }

  /**
   * SET_INFO on `file`, then CLOSE of it, as one related compound chain: one round trip. The
   * CLOSE comes after the SET_INFO whatever its outcome, but a server may fail it with the
   * SET_INFO's status, and then the file is still open. The CLOSE names the file's own id
   * rather than "the one before" (which a server must take from the SET_INFO: the same file):
   * impacket's server resolves that only after a CREATE, and failed the CLOSE. Resolves with the SET_INFO's failure
   * and the CLOSE's (Smb2StatusError each), null for a success.
   */
  async setInfoAndClose(
    file: OpenFile,
    info: SetInfoRequest,
    signal?: AbortSignal,
  ): Promise<{ failure: Error | null; closeFailure: Error | null }> {
    const { failures, closeFailure } = await this.setInfosAndClose(file, [info], signal);
    return { failure: failures[0] ?? null, closeFailure };
  }

  /**
   * As setInfoAndClose, with several SET_INFOs in order before the CLOSE (a rename, then
   * attributes that must come after it); resolves with each one's failure (null for a
   * success: after a failed one a server fails the rest too, with its status).
   */
  async setInfosAndClose(
    file: OpenFile,
    infos: readonly SetInfoRequest[],
    signal?: AbortSignal,
  ): Promise<{ failures: (Error | null)[]; closeFailure: Error | null }> {
    const responses = await this.client.transport.compound(
      [
        ...infos.map((info) => ({ command: Command.SET_INFO, body: setInfoBody(file.id, info) })),
        { command: Command.CLOSE, body: closeBody(file.id, 0) },
      ],
      { ...this.target(0), signal },
    );
    const failed = (response: Smb2Response, what: string): Error | null =>
      response.header.status === Status.SUCCESS
        ? null
        : new Smb2StatusError(response.header.status, what);
    return {
      failures: responses.slice(0, -1).map((response) => failed(response, 'SET_INFO')),
      closeFailure: failed(responses[responses.length - 1] as Smb2Response, 'CLOSE'),
    };
  }

  /**
   * CREATE of `path` and CLOSE of what it opened, in one chain; resolves with what CREATE
   * answered of the file (a folder made, a stat). Throws Smb2StatusError with the CREATE's
   * status first, then the CLOSE's.
   */
  async createAndClose(
    path: string,
    request: CreateRequest,
    signal?: AbortSignal,
  ): Promise<FileAttributes> {
    const what = `CREATE ${this.where(path)}`;
    const [created, closed] = (await this.client.transport.compound(
      [
        { command: Command.CREATE, body: createBody(path, request) },
        { command: Command.CLOSE, body: closeBody(RELATED_FILE_ID, 0) },
      ],
      { ...this.target(0), signal },
    )) as [Smb2Response, Smb2Response];
    this.check(created, what);
    const { id: _id, action: _action, ...attributes } = parseCreate(created, what);
    this.check(closed, 'CLOSE');
    return attributes;
  }

  /**
   * The attributes of `path` now (CREATE with READ_ATTRIBUTES, CLOSE: one round trip): for a
   * server whose CLOSE answers none. Throws Smb2StatusError.
   */
  async attributesOf(path: string, signal?: AbortSignal): Promise<FileAttributes> {
    return this.createAndClose(
      path,
      { access: Access.READ_ATTRIBUTES | Access.SYNCHRONIZE, disposition: Disposition.OPEN },
      signal,
    );
  }

  /** CLOSE. Throws Smb2StatusError. */
  async close(file: OpenFile, signal?: AbortSignal): Promise<void> {
    await this.sendClose(file, 0, signal);
  }

  /**
   * CLOSE that asks for the file's attributes as they are at the close (POSTQUERY_ATTRIB): a
   * stat that costs no extra round trip. Resolves with null when the answer carries none (a
   * server may ignore the flag: impacket's does). Throws Smb2StatusError.
   */
  async closeAndStat(file: OpenFile, signal?: AbortSignal): Promise<FileAttributes | null> {
    return parseCloseAttributes(await this.sendClose(file, CLOSE_FLAG_POSTQUERY_ATTRIB, signal));
  }

  private async sendClose(
    file: OpenFile,
    flags: number,
    signal?: AbortSignal,
  ): Promise<Smb2Response> {
    return this.send(Command.CLOSE, closeBody(file.id, flags), 'CLOSE', signal);
  }

  /**
   * READ up to `length` bytes (at most maxRead) at `offset`; an empty buffer at the end of the
   * file. Throws Smb2StatusError.
   */
  async read(
    file: OpenFile,
    offset: bigint,
    length: number,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const response = await this.client.transport.request(
      Command.READ,
      readBody(file.id, offset, length),
      { ...this.target(length), signal },
    );
    return this.readData(response, length);
  }

  /** The data of a READ answer (empty at the end of the file). Throws as `read` does. */
  private readData(response: Smb2Response, length: number): Buffer {
    if (response.header.status === Status.END_OF_FILE) return Buffer.alloc(0);
    this.check(response, 'READ');
    const r = fixedPart(response, 16, 'READ');
    const dataOffset = r.readUInt8(2);
    const dataLength = r.readUInt32LE(4);
    if (dataLength > length) {
      throw new Smb2FormatError(`Malformed READ answer: ${dataLength} bytes, ${length} asked`);
    }
    // The data follows the 16 fixed bytes (MS-SMB2 2.2.20): an offset into the header or the
    // fixed part would hand out the server's own fields as file content.
    if (dataLength > 0 && dataOffset < HEADER_SIZE + 16) {
      throw new Smb2FormatError(`Malformed READ answer: data at offset ${dataOffset}`);
    }
    return slice(response.message, dataOffset, dataLength, 'READ data');
  }

  /**
   * WRITE `data` (at most maxWrite in all; pieces are sent as they are) at `offset`; resolves
   * with the bytes the server took. Throws Smb2StatusError.
   */
  async write(
    file: OpenFile,
    offset: bigint,
    data: Buffer | readonly Buffer[],
    signal?: AbortSignal,
  ): Promise<number> {
    const pieces = Buffer.isBuffer(data) ? [data] : data;
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    // The data follows the body as it is: never copied to join it (signing and GCM read it).
    const response = await this.client.transport.request(
      Command.WRITE,
      writeBody(file.id, offset, length),
      { ...this.target(length), payload: pieces, signal },
    );
    this.check(response, 'WRITE');
    return parseWrite(response, length);
  }

  /** FLUSH: the server writes what it holds of the file to its disk. */
  async flush(file: OpenFile, signal?: AbortSignal): Promise<void> {
    const body = Buffer.alloc(24);
    body.writeUInt16LE(24, 0);
    file.id.copy(body, 8);
    await this.send(Command.FLUSH, body, 'FLUSH', signal);
  }

  /**
   * Every batch of a folder listing (QUERY_DIRECTORY until STATUS_NO_MORE_FILES), as the raw
   * output buffers of `infoClass` (smb2-info.ts parses them). Throws Smb2StatusError.
   */
  async *queryDirectory(
    folder: OpenFile,
    infoClass: number,
    signal?: AbortSignal,
  ): AsyncGenerator<Buffer> {
    const pattern = Buffer.from('*', 'utf16le');
    // 64 KiB per batch, as Windows asks: a few hundred entries, one credit.
    const outputLength = Math.min(this.client.negotiated.maxTransactSize, 65536);
    let previous: Buffer | null = null;
    for (let first = true; ; first = false) {
      const body = Buffer.alloc(32 + pattern.length);
      body.writeUInt16LE(33, 0);
      body.writeUInt8(infoClass, 2);
      body.writeUInt8(first ? 0x01 : 0, 3); // RESTART_SCANS on the first
      folder.id.copy(body, 8);
      body.writeUInt16LE(64 + 32, 24);
      body.writeUInt16LE(pattern.length, 26);
      body.writeUInt32LE(outputLength, 28);
      pattern.copy(body, 32);
      const response = await this.client.transport.request(Command.QUERY_DIRECTORY, body, {
        ...this.target(outputLength),
        signal,
      });
      if (response.header.status === Status.NO_MORE_FILES) return;
      this.check(response, 'QUERY_DIRECTORY');
      const batch = this.output(response, 'QUERY_DIRECTORY');
      // A batch that is empty or the same as the one before does not move the listing on:
      // asking again would loop for ever (names in one folder are unique, so a real server
      // never answers one batch twice).
      if (batch.length === 0 || previous?.equals(batch)) {
        throw new Smb2FormatError(
          `QUERY_DIRECTORY on ${this.where('')}: the server answered ${batch.length === 0 ? 'an empty batch' : 'the same batch twice'} instead of STATUS_NO_MORE_FILES`,
        );
      }
      previous = batch;
      yield batch;
    }
  }

  /** QUERY_INFO of one class; resolves with its output buffer. Throws Smb2StatusError. */
  async queryInfo(
    file: OpenFile,
    infoType: number,
    infoClass: number,
    options: { outputLength?: number; additional?: number; signal?: AbortSignal } = {},
  ): Promise<Buffer> {
    const outputLength = options.outputLength ?? 64 * 1024;
    const body = Buffer.alloc(40);
    body.writeUInt16LE(41, 0);
    body.writeUInt8(infoType, 2);
    body.writeUInt8(infoClass, 3);
    body.writeUInt32LE(outputLength, 4);
    body.writeUInt16LE(64 + 40, 8);
    body.writeUInt32LE(options.additional ?? 0, 16);
    file.id.copy(body, 24);
    const response = await this.client.transport.request(Command.QUERY_INFO, body, {
      ...this.target(outputLength),
      signal: options.signal,
    });
    this.check(response, 'QUERY_INFO');
    return this.output(response, 'QUERY_INFO');
  }

  /** SET_INFO of one class with `data`. Throws Smb2StatusError. */
  async setInfo(
    file: OpenFile,
    infoType: number,
    infoClass: number,
    data: Buffer,
    options: { additional?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const body = setInfoBody(file.id, {
      infoType,
      infoClass,
      data,
      additional: options.additional,
    });
    await this.send(Command.SET_INFO, body, 'SET_INFO', options.signal);
  }

  /**
   * IOCTL of the file system control `ctlCode` on `file` (smb2-ioctl.ts builds and reads the
   * FSCTLs), at most `maxOutput` bytes back. Resolves with the status and output of an IOCTL
   * answer, a failure included when it carries an output (copy-chunk limits). Throws
   * Smb2StatusError for a failure without one, Smb2FormatError for a malformed answer.
   */
  async ioctl(
    file: OpenFile,
    ctlCode: number,
    input: Buffer,
    maxOutput: number,
    signal?: AbortSignal,
  ): Promise<IoctlAnswer> {
    const body = encodeIoctlRequest(file.id, ctlCode, input, maxOutput);
    // Charged for the larger of what goes and what may come back (MS-SMB2 3.2.4.1.5).
    const response = await this.client.transport.request(Command.IOCTL, body, {
      ...this.target(Math.max(input.length, maxOutput)),
      signal,
    });
    return readIoctlAnswer(response, `IOCTL 0x${ctlCode.toString(16).padStart(8, '0')}`);
  }

  private target(payload: number): { sessionId: bigint; treeId: number; creditCharge: number } {
    return {
      sessionId: this.client.session.id,
      treeId: this.tree.id,
      creditCharge: this.charge(payload),
    };
  }

  /** Credits a request moving `payload` bytes costs: one per 64 KiB (MS-SMB2 3.2.4.1.5). */
  private charge(payload: number): number {
    return this.multiCredit ? Math.max(1, Math.ceil(payload / 65536)) : 1;
  }

  private async send(
    command: number,
    body: Buffer,
    what: string,
    signal?: AbortSignal,
  ): Promise<Smb2Response> {
    const response = await this.client.transport.request(command, body, {
      ...this.target(0),
      signal,
    });
    this.check(response, what);
    return response;
  }

  private check(response: Smb2Response, what: string): void {
    const status = response.header.status;
    // BUFFER_OVERFLOW is a warning: the output was cut to the buffer asked for, and is there.
    if (status !== Status.SUCCESS && status !== Status.BUFFER_OVERFLOW) {
      throw new Smb2StatusError(status, what);
    }
  }

  private output(response: Smb2Response, what: string): Buffer {
    const r = fixedPart(response, 8, what);
    return slice(response.message, r.readUInt16LE(2), r.readUInt32LE(4), `${what} output`);
  }
}

/**
 * The body of a response, checked to hold at least the `bytes` of its fixed part. Throws
 * Smb2FormatError naming the command for a shorter one (a truncated or hostile answer).
 */
function fixedPart(response: Smb2Response, bytes: number, what: string): Buffer {
  if (response.body.length < bytes) {
    throw new Smb2FormatError(
      `Malformed ${what} answer: ${response.body.length} bytes, at least ${bytes} needed`,
    );
  }
  return response.body;
}

/** The attributes a CREATE or a CLOSE with POSTQUERY_ATTRIB answers. */
export type FileAttributes = Omit<OpenFile, 'id' | 'action'>;

/** One SET_INFO (MS-SMB2 2.2.39): the class and its encoded data. */
export interface SetInfoRequest {
  infoType: number;
  infoClass: number;
  data: Buffer;
  additional?: number;
}

function createBody(path: string, request: CreateRequest): Buffer {
  const name = Buffer.from(path, 'utf16le');
  const body = Buffer.alloc(56 + Math.max(1, name.length));
  body.writeUInt16LE(57, 0); // StructureSize
  body.writeUInt32LE(2, 4); // ImpersonationLevel: Impersonation
  body.writeUInt32LE(request.access, 24);
  body.writeUInt32LE(request.attributes ?? 0, 28);
  body.writeUInt32LE(request.shareAccess ?? ShareAccess.ALL, 32);
  body.writeUInt32LE(request.disposition, 36);
  body.writeUInt32LE(request.options ?? 0, 40);
  body.writeUInt16LE(64 + 56, 44); // NameOffset
  body.writeUInt16LE(name.length, 46);
  name.copy(body, 56);
  return body;
}

/** What a successful CREATE answered. Throws Smb2StatusError for a short answer. */
function parseCreate(response: Smb2Response, what: string): OpenFile {
  const r = response.body;
  if (r.length < 88) {
    throw new Smb2FormatError(`Malformed ${what} answer: ${r.length} bytes, at least 88 needed`);
  }
  return {
    action: r.readUInt32LE(4),
    creationTime: r.readBigUInt64LE(8),
    lastAccessTime: r.readBigUInt64LE(16),
    lastWriteTime: r.readBigUInt64LE(24),
    changeTime: r.readBigUInt64LE(32),
    endOfFile: r.readBigUInt64LE(48),
    attributes: r.readUInt32LE(56),
    id: Buffer.from(r.subarray(64, 80)),
  };
}

function closeBody(fileId: Buffer, flags: number): Buffer {
  const body = Buffer.alloc(24);
  body.writeUInt16LE(24, 0);
  body.writeUInt16LE(flags, 2);
  fileId.copy(body, 8);
  return body;
}

/**
 * The attributes a successful CLOSE with POSTQUERY_ATTRIB answered, or null when the answer
 * carries none (its flag not set: impacket's server never sets it, and then the fields mean
 * nothing). Never throws.
 */
function parseCloseAttributes(response: Smb2Response): FileAttributes | null {
  const r = response.body;
  if (r.length < 60 || (r.readUInt16LE(2) & CLOSE_FLAG_POSTQUERY_ATTRIB) === 0) return null;
  return {
    creationTime: r.readBigUInt64LE(8),
    lastAccessTime: r.readBigUInt64LE(16),
    lastWriteTime: r.readBigUInt64LE(24),
    changeTime: r.readBigUInt64LE(32),
    endOfFile: r.readBigUInt64LE(48),
    attributes: r.readUInt32LE(56),
  };
}

function readBody(fileId: Buffer, offset: bigint, length: number): Buffer {
  const body = Buffer.alloc(49);
  body.writeUInt16LE(49, 0);
  body.writeUInt8(0x50, 2); // Padding: where we want the data (after the header and 16 bytes)
  body.writeUInt32LE(length, 4);
  body.writeBigUInt64LE(offset, 8);
  fileId.copy(body, 16);
  return body;
}

function writeBody(fileId: Buffer, offset: bigint, length: number): Buffer {
  const body = Buffer.alloc(48);
  body.writeUInt16LE(49, 0);
  body.writeUInt16LE(64 + 48, 2); // DataOffset
  body.writeUInt32LE(length, 4);
  body.writeBigUInt64LE(offset, 8);
  fileId.copy(body, 16);
  return body;
}

/**
 * The bytes a successful WRITE answer says were written. Throws Smb2FormatError for more than
 * was sent: trusting it would skip data never sent.
 */
function parseWrite(response: Smb2Response, length: number): number {
  const count = fixedPart(response, 8, 'WRITE').readUInt32LE(4);
  if (count > length) {
    throw new Smb2FormatError(`Malformed WRITE answer: ${count} bytes written of ${length} sent`);
  }
  return count;
}

function setInfoBody(fileId: Buffer, info: SetInfoRequest): Buffer {
  const body = Buffer.alloc(32 + info.data.length);
  body.writeUInt16LE(33, 0);
  body.writeUInt8(info.infoType, 2);
  body.writeUInt8(info.infoClass, 3);
  body.writeUInt32LE(info.data.length, 4);
  body.writeUInt16LE(64 + 32, 8);
  body.writeUInt32LE(info.additional ?? 0, 12);
  fileId.copy(body, 16);
  info.data.copy(body, 32);
  return body;
}
