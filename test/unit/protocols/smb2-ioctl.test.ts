import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Smb2Client } from '../../../src-main/protocols/smb2/smb2-client';
import { Smb2Share, type OpenFile } from '../../../src-main/protocols/smb2/smb2-files';
import { Command, Smb2FormatError } from '../../../src-main/protocols/smb2/smb2-header';
import {
  COPYCHUNK_DEFAULT_LIMITS,
  Fsctl,
  copyChunks,
  encodeCopyChunkCopy,
  encodeIoctlRequest,
  limitsOf,
  parseCopyChunkResponse,
  planCopyChunks,
  readIoctlAnswer,
  requestResumeKey,
  type CopyChunk,
  type IoctlAnswer,
} from '../../../src-main/protocols/smb2/smb2-ioctl';
import { DIALECTS } from '../../../src-main/protocols/smb2/smb2-negotiate';
import { Smb2StatusError, Status } from '../../../src-main/protocols/smb2/smb2-status';
import { Smb2Transport, type Smb2Response } from '../../../src-main/protocols/smb2/smb2-transport';

/*
 * IOCTL and the server-side copy FSCTLs: the bytes of the request (MS-SMB2 2.2.31), of
 * SRV_COPYCHUNK_COPY (2.2.31.1) and of the answers (2.2.32, 2.2.32.1, 2.2.32.3) checked at
 * the spec's offsets by hand; copyChunks against a scripted share (limits answered, refusals);
 * and Smb2Share.ioctl through a real transport to a scripted peer (wire layout, credit charge).
 */

const MiB = 1024 * 1024;
const KEY = Buffer.from(Array.from({ length: 24 }, (_, i) => 0xa0 + i));
const FILE: OpenFile = {
  id: Buffer.from(Array.from({ length: 16 }, (_, i) => i + 1)),
  action: 1,
  creationTime: 0n,
  lastAccessTime: 0n,
  lastWriteTime: 0n,
  changeTime: 0n,
  endOfFile: 0n,
  attributes: 0,
};

/** An IOCTL response message (header + 2.2.32 body), `output` at the 8-aligned offset 112. */
function ioctlResponse(status: number, ctlCode: number, output: Buffer): Smb2Response {
  const header = Buffer.alloc(64);
  header.writeUInt32LE(0x424d53fe, 0);
  header.writeUInt16LE(64, 4);
  header.writeUInt32LE(status, 8);
  header.writeUInt16LE(Command.IOCTL, 12);
  const body = Buffer.alloc(48 + output.length);
  body.writeUInt16LE(49, 0);
  body.writeUInt32LE(ctlCode, 4);
  FILE.id.copy(body, 8);
  body.writeUInt32LE(112, 24); // InputOffset
  body.writeUInt32LE(0, 28); // InputCount
  body.writeUInt32LE(output.length > 0 ? 112 : 0, 32); // OutputOffset
  body.writeUInt32LE(output.length, 36); // OutputCount
  output.copy(body, 48);
  const message = Buffer.concat([header, body]);
  return {
    header: { status } as Smb2Response['header'],
    body: message.subarray(64),
    message,
  };
}

/** An ERROR response (2.2.2): StructureSize 9, no data. */
function errorResponse(status: number): Smb2Response {
  const message = Buffer.alloc(64 + 9);
  message.writeUInt32LE(0x424d53fe, 0);
  message.writeUInt16LE(64, 4);
  message.writeUInt32LE(status, 8);
  message.writeUInt16LE(9, 64);
  return { header: { status } as Smb2Response['header'], body: message.subarray(64), message };
}

const copyAnswer = (chunks: number, chunkBytes: number, total: number): Buffer => {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(chunks, 0);
  b.writeUInt32LE(chunkBytes, 4);
  b.writeUInt32LE(total, 8);
  return b;
};

/** The chunks of a SRV_COPYCHUNK_COPY, read at the offsets of 2.2.31.1 and 2.2.31.1.1. */
function chunksIn(input: Buffer): CopyChunk[] {
  const count = input.readUInt32LE(24);
  return Array.from({ length: count }, (_, i) => ({
    sourceOffset: Number(input.readBigUInt64LE(32 + i * 24)),
    targetOffset: Number(input.readBigUInt64LE(32 + i * 24 + 8)),
    length: input.readUInt32LE(32 + i * 24 + 16),
  }));
}

describe('IOCTL request and answer', () => {
  it('lays out the request of 2.2.31: FSCTL flag, file id, input after the 56 fixed bytes', () => {
    const input = Buffer.from('input bytes');
    const body = encodeIoctlRequest(FILE.id, 0x001480f2, input, 12);
    expect(body.length).toBe(56 + input.length);
    expect(body.readUInt16LE(0)).toBe(57); // StructureSize
    expect(body.readUInt16LE(2)).toBe(0); // Reserved
    expect(body.readUInt32LE(4)).toBe(0x001480f2); // CtlCode
    expect(body.subarray(8, 24)).toEqual(FILE.id); // FileId
    expect(body.readUInt32LE(24)).toBe(64 + 56); // InputOffset, from the header's start
    expect(body.readUInt32LE(28)).toBe(input.length); // InputCount
    expect(body.readUInt32LE(32)).toBe(0); // MaxInputResponse
    expect(body.readUInt32LE(36)).toBe(0); // OutputOffset
    expect(body.readUInt32LE(40)).toBe(0); // OutputCount
    expect(body.readUInt32LE(44)).toBe(12); // MaxOutputResponse
    expect(body.readUInt32LE(48)).toBe(1); // Flags: SMB2_0_IOCTL_IS_FSCTL
    expect(body.readUInt32LE(52)).toBe(0); // Reserved2
    expect(body.subarray(56)).toEqual(input);
  });

  it('sends no input offset without input (FSCTL_SRV_REQUEST_RESUME_KEY)', () => {
    const body = encodeIoctlRequest(FILE.id, Fsctl.SRV_REQUEST_RESUME_KEY, Buffer.alloc(0), 32);
    expect(body.length).toBe(56);
    expect(body.readUInt32LE(4)).toBe(0x00140078);
    expect(body.readUInt32LE(24)).toBe(0);
    expect(body.readUInt32LE(28)).toBe(0);
    expect(body.readUInt32LE(44)).toBe(32);
  });

  it('reads the output of an answer, a failure with an output included', () => {
    const output = copyAnswer(256, MiB, 16 * MiB);
    const ok = readIoctlAnswer(ioctlResponse(Status.SUCCESS, 1, output), 'X');
    expect(ok).toEqual({ status: Status.SUCCESS, output });
    const limits = readIoctlAnswer(ioctlResponse(Status.INVALID_PARAMETER, 1, output), 'X');
    expect(limits.status).toBe(Status.INVALID_PARAMETER);
    expect(limits.output).toEqual(output);
    expect(readIoctlAnswer(ioctlResponse(Status.SUCCESS, 1, Buffer.alloc(0)), 'X').output).toEqual(
      Buffer.alloc(0),
    );
  });

  it('throws the status of an ERROR response, and refuses an output outside the message', () => {
    expect(() => readIoctlAnswer(errorResponse(Status.NOT_SUPPORTED), 'X')).toThrow(
      expect.objectContaining({ name: 'Smb2StatusError', statusName: 'STATUS_NOT_SUPPORTED' }),
    );
    expect(() => readIoctlAnswer(errorResponse(Status.SUCCESS), 'X')).toThrow(Smb2FormatError);
    const broken = ioctlResponse(Status.SUCCESS, 1, Buffer.alloc(12));
    broken.body.writeUInt32LE(4096, 36); // OutputCount past the end
    expect(() => readIoctlAnswer(broken, 'X')).toThrow(Smb2FormatError);
  });
});

describe('SRV_COPYCHUNK_COPY and its answer', () => {
  it('puts the key, the count and 24 bytes a chunk with 64-bit offsets', () => {
    const chunks = [
      { sourceOffset: 0, targetOffset: 5, length: MiB },
      { sourceOffset: 6 * 1024 * MiB + 3, targetOffset: 2 ** 40, length: 17 },
    ];
    const input = encodeCopyChunkCopy(KEY, chunks);
    expect(input.length).toBe(32 + 2 * 24);
    expect(input.subarray(0, 24)).toEqual(KEY); // SourceKey
    expect(input.readUInt32LE(24)).toBe(2); // ChunkCount
    expect(input.readUInt32LE(28)).toBe(0); // Reserved
    expect(input.readBigUInt64LE(32 + 24)).toBe(6n * 1024n * BigInt(MiB) + 3n);
    expect(input.readBigUInt64LE(32 + 24 + 8)).toBe(2n ** 40n);
    expect(input.readUInt32LE(32 + 24 + 16)).toBe(17);
    expect(input.readUInt32LE(32 + 24 + 20)).toBe(0); // the chunk's Reserved
    expect(chunksIn(input)).toEqual(chunks);
    expect(() => encodeCopyChunkCopy(KEY.subarray(1), chunks)).toThrow(RangeError);
  });

  it('reads SRV_COPYCHUNK_RESPONSE, and the limits only from STATUS_INVALID_PARAMETER', () => {
    const output = copyAnswer(3, 0, 3 * MiB);
    expect(parseCopyChunkResponse(output)).toEqual({
      chunksWritten: 3,
      chunkBytesWritten: 0,
      totalBytesWritten: 3 * MiB,
    });
    expect(() => parseCopyChunkResponse(Buffer.alloc(8))).toThrow(Smb2FormatError);
    expect(limitsOf({ status: Status.SUCCESS, output })).toBeNull();
    expect(limitsOf({ status: Status.INVALID_PARAMETER, output: Buffer.alloc(0) })).toBeNull();
    expect(
      limitsOf({ status: Status.INVALID_PARAMETER, output: copyAnswer(256, MiB, 16 * MiB) }),
    ).toEqual(COPYCHUNK_DEFAULT_LIMITS);
  });

  it('plans requests within the limits: chunks cut to the chunk size, counted and summed', () => {
    const whole = [{ sourceOffset: 0, targetOffset: 0, length: 40 * MiB + 5 }];
    const requests = planCopyChunks(whole, COPYCHUNK_DEFAULT_LIMITS);
    expect(requests.map((r) => r.length)).toEqual([16, 16, 9]);
    expect(requests.map((r) => r.reduce((s, c) => s + c.length, 0))).toEqual([
      16 * MiB,
      16 * MiB,
      8 * MiB + 5,
    ]);
    expect(requests.flat().at(-1)).toEqual({
      sourceOffset: 40 * MiB,
      targetOffset: 40 * MiB,
      length: 5,
    });
    const flat = requests.flat();
    flat.forEach((c, i) => i > 0 && expect(c.sourceOffset).toBe(flat[i - 1]!.sourceOffset + MiB));
    // Two chunks a request at most, 100 bytes each, 150 a request; empty chunks left out.
    const small = planCopyChunks(
      [
        { sourceOffset: 0, targetOffset: 1000, length: 250 },
        { sourceOffset: 500, targetOffset: 0, length: 0 },
        { sourceOffset: 900, targetOffset: 2000, length: 30 },
      ],
      { maxChunks: 2, maxChunkSize: 100, maxTotal: 150 },
    );
    expect(small).toEqual([
      [
        { sourceOffset: 0, targetOffset: 1000, length: 100 },
        { sourceOffset: 100, targetOffset: 1100, length: 50 },
      ],
      [
        { sourceOffset: 150, targetOffset: 1150, length: 100 },
        { sourceOffset: 900, targetOffset: 2000, length: 30 },
      ],
    ]);
    expect(planCopyChunks([], COPYCHUNK_DEFAULT_LIMITS)).toEqual([]);
    expect(() => planCopyChunks(whole, { maxChunks: 0, maxChunkSize: 1, maxTotal: 1 })).toThrow(
      RangeError,
    );
  });
});

/** A share whose ioctl answers as `answer` says, recording each request's chunks. */
function scriptedShare(answer: (ctlCode: number, input: Buffer, call: number) => IoctlAnswer) {
  const calls: { ctlCode: number; input: Buffer; maxOutput: number }[] = [];
  return {
    calls,
    share: {
      async ioctl(file: OpenFile, ctlCode: number, input: Buffer, maxOutput: number) {
        expect(file).toBe(FILE);
        calls.push({ ctlCode, input, maxOutput });
        return answer(ctlCode, input, calls.length);
      },
    },
  };
}
const total = (input: Buffer): number => chunksIn(input).reduce((s, c) => s + c.length, 0);

describe('requestResumeKey and copyChunks', () => {
  it('takes the 24-byte key of the answer, and refuses a short one or a failure', async () => {
    const output = Buffer.concat([KEY, Buffer.alloc(8)]);
    const { share, calls } = scriptedShare(() => ({ status: Status.SUCCESS, output }));
    expect(await requestResumeKey(share, FILE)).toEqual(KEY);
    expect(calls[0]).toMatchObject({ ctlCode: 0x00140078, maxOutput: 32 });
    expect(calls[0]?.input.length).toBe(0);
    const short = scriptedShare(() => ({ status: Status.SUCCESS, output: KEY.subarray(4) }));
    await expect(requestResumeKey(short.share, FILE)).rejects.toThrow(Smb2FormatError);
    const overflow = scriptedShare(() => ({ status: Status.BUFFER_OVERFLOW, output }));
    await expect(requestResumeKey(overflow.share, FILE)).rejects.toThrow(Smb2StatusError);
  });

  it('copies in requests of the default limits, asking 12 bytes back', async () => {
    const { share, calls } = scriptedShare((_, input) => ({
      status: Status.SUCCESS,
      output: copyAnswer(chunksIn(input).length, 0, total(input)),
    }));
    const done = await copyChunks(share, FILE, KEY, [
      { sourceOffset: 0, targetOffset: 0, length: 20 * MiB },
    ]);
    expect(done).toEqual({ bytesWritten: 20 * MiB, limits: COPYCHUNK_DEFAULT_LIMITS });
    expect(calls.map((c) => [c.ctlCode, c.maxOutput, chunksIn(c.input).length])).toEqual([
      [0x001480f2, 12, 16],
      [0x001480f2, 12, 4],
    ]);
    expect(calls.every((c) => c.input.subarray(0, 24).equals(KEY))).toBe(true);
  });

  it('goes on within the limits a STATUS_INVALID_PARAMETER answer gives', async () => {
    const theirs = { maxChunks: 2, maxChunkSize: 256 * 1024, maxTotal: 512 * 1024 };
    const { share, calls } = scriptedShare((_, input) => {
      const chunks = chunksIn(input);
      const fits =
        chunks.length <= theirs.maxChunks &&
        chunks.every((c) => c.length <= theirs.maxChunkSize) &&
        total(input) <= theirs.maxTotal;
      if (!fits) {
        return {
          status: Status.INVALID_PARAMETER,
          output: copyAnswer(theirs.maxChunks, theirs.maxChunkSize, theirs.maxTotal),
        };
      }
      return { status: Status.SUCCESS, output: copyAnswer(chunks.length, 0, total(input)) };
    });
    const done = await copyChunks(share, FILE, KEY, [
      { sourceOffset: 7, targetOffset: 9, length: 2 * MiB + 1 },
    ]);
    expect(done).toEqual({ bytesWritten: 2 * MiB + 1, limits: theirs });
    // One refused request, then 2 MiB + 1 in requests of 512 KiB: five.
    expect(calls.map((c) => total(c.input))).toEqual([
      2 * MiB + 1,
      512 * 1024,
      512 * 1024,
      512 * 1024,
      512 * 1024,
      1,
    ]);
    const copied = calls.slice(1).flatMap((c) => chunksIn(c.input));
    expect(copied[0]).toEqual({ sourceOffset: 7, targetOffset: 9, length: 256 * 1024 });
    expect(copied.at(-1)).toEqual({
      sourceOffset: 7 + 2 * MiB,
      targetOffset: 9 + 2 * MiB,
      length: 1,
    });
  });

  it('throws a refusal within the limits, a failure, and a short success', async () => {
    const range = [{ sourceOffset: 0, targetOffset: 0, length: MiB }];
    const refused = scriptedShare(() => ({
      status: Status.INVALID_PARAMETER,
      output: copyAnswer(256, MiB, 16 * MiB),
    }));
    await expect(copyChunks(refused.share, FILE, KEY, range)).rejects.toMatchObject({
      status: Status.INVALID_PARAMETER,
    });
    expect(refused.calls).toHaveLength(1);
    const zeros = scriptedShare(() => ({
      status: Status.INVALID_PARAMETER,
      output: copyAnswer(0, 0, 0),
    }));
    await expect(copyChunks(zeros.share, FILE, KEY, range)).rejects.toThrow(Smb2StatusError);
    const failed = scriptedShare(() => ({
      status: Status.DISK_FULL,
      output: copyAnswer(0, 4096, 4096),
    }));
    await expect(copyChunks(failed.share, FILE, KEY, range)).rejects.toMatchObject({
      statusName: 'STATUS_DISK_FULL',
    });
    const short = scriptedShare(() => ({
      status: Status.SUCCESS,
      output: copyAnswer(1, 0, MiB - 1),
    }));
    await expect(copyChunks(short.share, FILE, KEY, range)).rejects.toThrow(Smb2FormatError);
  });
});

describe('Smb2Share.ioctl on the wire', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('sends an IOCTL with its credit charge and returns what the peer answered', async () => {
    const seen: { creditCharge: number; body: Buffer }[] = [];
    const server = net.createServer((socket) => {
      closers.push(() => socket.destroy());
      let stream = Buffer.alloc(0);
      socket.on('data', (data) => {
        stream = Buffer.concat([stream, data]);
        while (stream.length >= 4 && stream.length >= 4 + stream.readUIntBE(1, 3)) {
          const raw = stream.subarray(4, 4 + stream.readUIntBE(1, 3));
          stream = stream.subarray(4 + raw.length);
          const body = raw.subarray(64);
          seen.push({ creditCharge: raw.readUInt16LE(6), body });
          const ctlCode = body.readUInt32LE(4);
          const response =
            ctlCode === Fsctl.SRV_REQUEST_RESUME_KEY
              ? ioctlResponse(Status.SUCCESS, ctlCode, Buffer.concat([KEY, Buffer.alloc(8)]))
              : ctlCode === Fsctl.SRV_COPYCHUNK_WRITE
                ? ioctlResponse(Status.INVALID_PARAMETER, ctlCode, copyAnswer(256, MiB, 16 * MiB))
                : errorResponse(Status.INVALID_DEVICE_REQUEST);
          const message = response.message;
          message.writeUInt16LE(Command.IOCTL, 12);
          message.writeUInt16LE(16, 14); // credits granted
          message.writeUInt32LE(1, 16); // SERVER_TO_REDIR
          message.writeBigUInt64LE(raw.readBigUInt64LE(24), 24); // MessageId
          const head = Buffer.alloc(4);
          head.writeUInt32BE(message.length);
          socket.write(Buffer.concat([head, message]));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const transport = await Smb2Transport.connect(
      '127.0.0.1',
      (server.address() as net.AddressInfo).port,
    );
    closers.push(() => transport.close());
    const client = {
      transport,
      negotiated: { dialect: DIALECTS.SMB311, maxReadSize: 8 * MiB, maxWriteSize: 8 * MiB },
      session: { id: 0n },
      unc: (name: string) => `\\\\peer\\${name}`,
    } as unknown as Smb2Client;
    const share = new Smb2Share(client, { id: 7, share: 's', encrypted: false, maximalAccess: 0 });
    expect(await requestResumeKey(share, FILE)).toEqual(KEY);
    const limits = await share.ioctl(
      FILE,
      Fsctl.SRV_COPYCHUNK_WRITE,
      encodeCopyChunkCopy(KEY, [{ sourceOffset: 0, targetOffset: 0, length: 1 }]),
      12,
    );
    expect(limitsOf(limits)).toEqual(COPYCHUNK_DEFAULT_LIMITS);
    // 200 KiB of output asked: four credits (MS-SMB2 3.2.4.1.5).
    await expect(share.ioctl(FILE, 0x00090000, Buffer.alloc(0), 200 * 1024)).rejects.toMatchObject({
      statusName: 'STATUS_INVALID_DEVICE_REQUEST',
    });
    expect(seen.map((s) => s.creditCharge)).toEqual([1, 1, 4]);
    expect(seen.map((s) => s.body.readUInt32LE(48))).toEqual([1, 1, 1]); // IS_FSCTL
    expect(seen[1]?.body.subarray(8, 24)).toEqual(FILE.id);
    expect(seen[1]?.body.readUInt32LE(24)).toBe(120);
    expect(seen[1]?.body.subarray(56, 80)).toEqual(KEY);
  });
});
