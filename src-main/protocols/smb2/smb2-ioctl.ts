import type { OpenFile, Smb2Share } from './smb2-files';
import { Smb2FormatError } from './smb2-header';
import { slice } from './smb2-negotiate';
import { Smb2StatusError, Status, isFailure } from './smb2-status';
import type { Smb2Response } from './smb2-transport';

/*
 * IOCTL (MS-SMB2 2.2.31, 2.2.32) and the two file system controls of a server-side copy
 * (3.2.4.20.1, 3.2.4.20.2): FSCTL_SRV_REQUEST_RESUME_KEY names an open source file with an
 * opaque 24-byte key, and FSCTL_SRV_COPYCHUNK_WRITE, sent on the open destination, has the
 * server copy ranges of that source into it: the bytes never cross the network. The key is
 * only good on the session and connection that asked for it (a server finds the source among
 * that session's opens), so both files must be open on one session.
 */

export const Fsctl = {
  SRV_REQUEST_RESUME_KEY: 0x00140078,
  /** Needs WRITE_DATA on the destination only (FSCTL_SRV_COPYCHUNK needs READ_DATA too). */
  SRV_COPYCHUNK_WRITE: 0x001480f2,
} as const;

/** 2.2.31 Flags: a file system control (the only kind a server takes, 3.3.5.15). */
const IOCTL_IS_FSCTL = 0x00000001;
/** 2.2.31 and 2.2.32: the fixed parts, StructureSize 57 and 49 counting one byte of Buffer. */
const REQUEST_FIXED = 56;
const RESPONSE_STRUCTURE_SIZE = 49;
/** 2.2.32.3: ResumeKey (24), ContextLength (4) and no context. */
const RESUME_KEY_BYTES = 24;
const RESUME_KEY_ANSWER = 32;
/** 2.2.31.1: SourceKey (24), ChunkCount (4), Reserved (4); 2.2.31.1.1: 24 bytes a chunk. */
const COPYCHUNK_HEADER = 32;
const COPYCHUNK_ENTRY = 24;
/** 2.2.32.1: ChunksWritten, ChunkBytesWritten, TotalBytesWritten. */
const COPYCHUNK_ANSWER = 12;

export interface IoctlAnswer {
  /** The NT status of the answer: SUCCESS, or a failure that came with an output. */
  status: number;
  /** The output buffer (OutputOffset/OutputCount of 2.2.32), empty when there is none. */
  output: Buffer;
}

/** One range to copy (2.2.31.1.1): offsets in bytes, length at most the server's chunk size. */
export interface CopyChunk {
  sourceOffset: number;
  targetOffset: number;
  length: number;
}

/** What one COPYCHUNK request may hold (3.3.5.15.6: ServerSideCopyMax...). */
export interface CopyChunkLimits {
  maxChunks: number;
  maxChunkSize: number;
  maxTotal: number;
}

/** Windows' limits (2008 R2 on) and Samba's: 256 chunks of at most 1 MiB, 16 MiB a request. */
export const COPYCHUNK_DEFAULT_LIMITS: Readonly<CopyChunkLimits> = Object.freeze({
  maxChunks: 256,
  maxChunkSize: 1024 * 1024,
  maxTotal: 16 * 1024 * 1024,
});

/** SRV_COPYCHUNK_RESPONSE (2.2.32.1) of a request that was carried out. */
export interface CopyChunkResult {
  chunksWritten: number;
  chunkBytesWritten: number;
  totalBytesWritten: number;
}

/**
 * The body of an IOCTL request (2.2.31) of the FSCTL `ctlCode` on the open `fileId` (16
 * bytes), `input` after the fixed part, at most `maxOutput` bytes wanted back.
 */
export function encodeIoctlRequest(
  fileId: Buffer,
  ctlCode: number,
  input: Buffer,
  maxOutput: number,
): Buffer {
  const body = Buffer.alloc(REQUEST_FIXED + input.length);
  body.writeUInt16LE(REQUEST_FIXED + 1, 0); // StructureSize
  body.writeUInt32LE(ctlCode, 4);
  fileId.copy(body, 8, 0, 16);
  // InputOffset counts from the start of the SMB2 header; 0 when there is no input (2.2.31).
  body.writeUInt32LE(input.length > 0 ? 64 + REQUEST_FIXED : 0, 24);
  body.writeUInt32LE(input.length, 28); // InputCount
  body.writeUInt32LE(0, 32); // MaxInputResponse: no input wanted back
  // OutputOffset and OutputCount (36, 40) stay 0: a client sends no output.
  body.writeUInt32LE(maxOutput, 44); // MaxOutputResponse
  body.writeUInt32LE(IOCTL_IS_FSCTL, 48);
  input.copy(body, REQUEST_FIXED);
  return body;
}

/**
 * Status and output of the answer to an IOCTL. A failure comes back as an IOCTL response
 * (StructureSize 49) when it carries an output the client needs (STATUS_INVALID_PARAMETER with
 * the server's copy-chunk limits, 3.3.5.15.6.2; STATUS_BUFFER_OVERFLOW): it is returned as
 * such. Throws Smb2StatusError for a failure answered as a plain ERROR response (2.2.2), and
 * Smb2FormatError when the output lies outside the message.
 */
export function readIoctlAnswer(response: Smb2Response, what: string): IoctlAnswer {
  const { body, message } = response;
  const status = response.header.status;
  const ioctlResponse = body.length >= 48 && body.readUInt16LE(0) === RESPONSE_STRUCTURE_SIZE;
  if (!ioctlResponse) {
    if (isFailure(status)) throw new Smb2StatusError(status, what);
    throw new Smb2FormatError(`${what}: the answer is not an IOCTL response`);
  }
  const outputCount = body.readUInt32LE(36);
  const output =
    outputCount === 0
      ? Buffer.alloc(0)
      : slice(message, body.readUInt32LE(32), outputCount, `${what} output`);
  return { status, output };
}

/**
 * FSCTL_SRV_REQUEST_RESUME_KEY on an open source file (3.2.4.20.1): resolves with its 24-byte
 * key for copyChunks on the same session. Throws Smb2StatusError (STATUS_NOT_SUPPORTED or
 * STATUS_INVALID_DEVICE_REQUEST from a server without server-side copy), Smb2FormatError
 * for an answer too short to hold a key, and what the transport throws.
 */
export async function requestResumeKey(
  share: Pick<Smb2Share, 'ioctl'>,
  file: OpenFile,
  signal?: AbortSignal,
): Promise<Buffer> {
  const what = 'FSCTL_SRV_REQUEST_RESUME_KEY';
  const answer = await share.ioctl(
    file,
    Fsctl.SRV_REQUEST_RESUME_KEY,
    Buffer.alloc(0),
    RESUME_KEY_ANSWER,
    signal,
  );
  if (isFailure(answer.status)) throw new Smb2StatusError(answer.status, what);
  if (answer.output.length < RESUME_KEY_BYTES) {
    throw new Smb2FormatError(`${what}: ${answer.output.length} bytes answered, not a key`);
  }
  return Buffer.from(answer.output.subarray(0, RESUME_KEY_BYTES));
}

/** SRV_COPYCHUNK_COPY (2.2.31.1): the source's key and the ranges to copy. */
export function encodeCopyChunkCopy(resumeKey: Buffer, chunks: readonly CopyChunk[]): Buffer {
  if (resumeKey.length !== RESUME_KEY_BYTES) {
    throw new RangeError(`A resume key has ${RESUME_KEY_BYTES} bytes, not ${resumeKey.length}`);
  }
  const input = Buffer.alloc(COPYCHUNK_HEADER + chunks.length * COPYCHUNK_ENTRY);
  resumeKey.copy(input, 0);
  input.writeUInt32LE(chunks.length, 24); // ChunkCount; Reserved (28) stays 0
  chunks.forEach((chunk, i) => {
    const at = COPYCHUNK_HEADER + i * COPYCHUNK_ENTRY;
    input.writeBigUInt64LE(BigInt(chunk.sourceOffset), at);
    input.writeBigUInt64LE(BigInt(chunk.targetOffset), at + 8);
    input.writeUInt32LE(chunk.length, at + 16); // Reserved (at + 20) stays 0
  });
  return input;
}

/**
 * SRV_COPYCHUNK_RESPONSE (2.2.32.1). After STATUS_INVALID_PARAMETER its three numbers are the
 * server's limits instead (maximum chunks, chunk size, total: see limitsOf). Throws
 * Smb2FormatError when `output` is shorter than 12 bytes.
 */
export function parseCopyChunkResponse(output: Buffer): CopyChunkResult {
  if (output.length < COPYCHUNK_ANSWER) {
    throw new Smb2FormatError(`SRV_COPYCHUNK_RESPONSE of ${output.length} bytes`);
  }
  return {
    chunksWritten: output.readUInt32LE(0),
    chunkBytesWritten: output.readUInt32LE(4),
    totalBytesWritten: output.readUInt32LE(8),
  };
}

/** The limits a STATUS_INVALID_PARAMETER answer carries (3.3.5.15.6.2), or null without them. */
export function limitsOf(answer: IoctlAnswer): CopyChunkLimits | null {
  if (answer.status !== Status.INVALID_PARAMETER || answer.output.length < COPYCHUNK_ANSWER) {
    return null;
  }
  const r = parseCopyChunkResponse(answer.output);
  return {
    maxChunks: r.chunksWritten,
    maxChunkSize: r.chunkBytesWritten,
    maxTotal: r.totalBytesWritten,
  };
}

/**
 * `chunks` regrouped into requests that fit `limits`: chunks longer than maxChunkSize are cut,
 * and each request holds at most maxChunks of them and maxTotal bytes. Zero-length chunks are
 * left out (a server refuses them). Throws RangeError for limits of zero.
 */
export function planCopyChunks(
  chunks: readonly CopyChunk[],
  limits: CopyChunkLimits,
): CopyChunk[][] {
  if (limits.maxChunks < 1 || limits.maxChunkSize < 1 || limits.maxTotal < 1) {
    throw new RangeError(`Copy-chunk limits of zero: ${JSON.stringify(limits)}`);
  }
  const pieceMax = Math.min(limits.maxChunkSize, limits.maxTotal);
  const requests: CopyChunk[][] = [];
  let current: CopyChunk[] = [];
  let total = 0;
  for (const chunk of chunks) {
    for (let done = 0; done < chunk.length;) {
      const room = limits.maxTotal - total;
      if (current.length === limits.maxChunks || room === 0) {
        requests.push(current);
        [current, total] = [[], 0];
        continue;
      }
      const length = Math.min(pieceMax, room, chunk.length - done);
      current.push({
        sourceOffset: chunk.sourceOffset + done,
        targetOffset: chunk.targetOffset + done,
        length,
      });
      total += length;
      done += length;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/**
 * FSCTL_SRV_COPYCHUNK_WRITE (3.2.4.20.2) on `destinationFile` (open with WRITE_DATA on the
 * session that got `resumeKey`): the server copies `chunks` of the source into it, in as many
 * requests as `limits` asks. When the server answers STATUS_INVALID_PARAMETER with limits of
 * its own (3.3.5.15.6.2), the rest goes again in requests that fit them. Resolves with the
 * bytes copied and the limits in force, for the next call. Throws Smb2StatusError for a
 * refusal (STATUS_OBJECT_NAME_NOT_FOUND for a key the session does not know, ACCESS_DENIED,
 * STATUS_INVALID_VIEW_SIZE or END_OF_FILE for a range past the source's end, and
 * INVALID_PARAMETER when the request already fitted the limits answered), Smb2FormatError for
 * a success that copied fewer bytes than asked, and what the transport throws.
 */
export async function copyChunks(
  share: Pick<Smb2Share, 'ioctl'>,
  destinationFile: OpenFile,
  resumeKey: Buffer,
  chunks: readonly CopyChunk[],
  signal?: AbortSignal,
  limits: CopyChunkLimits = COPYCHUNK_DEFAULT_LIMITS,
): Promise<{ bytesWritten: number; limits: CopyChunkLimits }> {
  const what = 'FSCTL_SRV_COPYCHUNK_WRITE';
  let requests = planCopyChunks(chunks, limits);
  let written = 0;
  while (requests.length > 0) {
    const request = requests[0] as CopyChunk[];
    const answer = await share.ioctl(
      destinationFile,
      Fsctl.SRV_COPYCHUNK_WRITE,
      encodeCopyChunkCopy(resumeKey, request),
      COPYCHUNK_ANSWER,
      signal,
    );
    const theirs = limitsOf(answer);
    if (theirs && usable(theirs) && !fits(request, theirs)) {
      limits = theirs;
      requests = planCopyChunks(requests.flat(), limits);
      continue;
    }
    if (isFailure(answer.status)) throw new Smb2StatusError(answer.status, what);
    const asked = request.reduce((sum, chunk) => sum + chunk.length, 0);
    const result = parseCopyChunkResponse(answer.output);
    if (result.totalBytesWritten !== asked) {
      throw new Smb2FormatError(
        `${what}: the server reported ${result.totalBytesWritten} bytes copied of ${asked}`,
      );
    }
    written += asked;
    requests.shift();
  }
  return { bytesWritten: written, limits };
}

/** Limits a request can be made to fit (a server answering zeros leaves no way on). */
function usable(limits: CopyChunkLimits): boolean {
  return limits.maxChunks >= 1 && limits.maxChunkSize >= 1 && limits.maxTotal >= 1;
}

/** A request within `limits`: refused all the same, it was refused for something else. */
function fits(request: readonly CopyChunk[], limits: CopyChunkLimits): boolean {
  const total = request.reduce((sum, chunk) => sum + chunk.length, 0);
  return (
    request.length <= limits.maxChunks &&
    request.every((chunk) => chunk.length <= limits.maxChunkSize) &&
    total <= limits.maxTotal
  );
}
