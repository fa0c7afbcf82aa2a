import { describe, expect, it } from 'vitest';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';
import {
  callWriter,
  readReply,
  RpcError,
  xidOf,
} from '../../../src-main/protocols/nfs3/rpc-message';
import { XdrError, XdrReader, XdrWriter } from '../../../src-main/protocols/nfs3/xdr';

describe('XDR', () => {
  it('round-trips integers, 64-bit values beyond 2^53, bools, opaque data and strings with padding', () => {
    const big = 2n ** 63n + 12345n;
    const bytes = new XdrWriter(4)
      .uint32(0xffffffff)
      .int32(-2)
      .uint64(big)
      .bool(true)
      .opaque(Buffer.from([1, 2, 3]))
      .string('ünï')
      .fixedOpaque(Buffer.from([9, 9, 9, 9, 9]))
      .bytes();
    // 4 + 4 + 8 + 4 + (4 + 3 + 1) + (4 + 5 + 3: "ünï" is 5 bytes) + (5 + 3)
    expect(bytes.length).toBe(48);
    expect(bytes.subarray(24, 28)).toEqual(Buffer.from([1, 2, 3, 0]));
    const xdr = new XdrReader(Buffer.from(bytes));
    expect(xdr.uint32()).toBe(0xffffffff);
    expect(xdr.int32()).toBe(-2);
    expect(xdr.uint64()).toBe(big);
    expect(xdr.bool()).toBe(true);
    expect([...xdr.opaque()]).toEqual([1, 2, 3]);
    expect(xdr.string()).toBe('ünï');
    expect([...xdr.fixedOpaque(5)]).toEqual([9, 9, 9, 9, 9]);
    expect(xdr.remaining).toBe(0);
  });

  it('refuses values out of range when writing', () => {
    const xdr = new XdrWriter();
    expect(() => xdr.uint32(-1)).toThrow(RangeError);
    expect(() => xdr.uint32(2 ** 32)).toThrow(RangeError);
    expect(() => xdr.int32(2 ** 31)).toThrow(RangeError);
    expect(() => xdr.uint64(-1n)).toThrow(RangeError);
    expect(() => xdr.uint32(1.5)).toThrow(RangeError);
  });

  it('fails truncated and malformed input with XdrError, never reading past the end', () => {
    expect(() => new XdrReader(Buffer.from([0, 0, 1])).uint32()).toThrow(XdrError);
    expect(() => new XdrReader(Buffer.alloc(7)).uint64()).toThrow(/Truncated/);
    expect(() => new XdrReader(Buffer.from([0, 0, 0, 2])).bool()).toThrow(/bool 2/);
    // A length that claims more than is there, and one beyond the protocol's limit.
    const claims = new XdrWriter().uint32(1000).bytes();
    expect(() => new XdrReader(Buffer.from(claims)).opaque()).toThrow(XdrError);
    const huge = new XdrWriter().uint32(0xfffffff0).bytes();
    expect(() => new XdrReader(Buffer.from(huge)).opaque(64)).toThrow(/at most 64/);
  });
});

describe('RPC record marking', () => {
  const records = [Buffer.from('first record'), Buffer.alloc(70_000, 7), Buffer.from('x')];
  const stream = Buffer.concat(records.map((r) => frameRecord(r)));

  it('reassembles records however TCP splits them: byte by byte, or all in one read', () => {
    const oneByOne = new RecordReader(1 << 20);
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...oneByOne.push(stream.subarray(i, i + 1)));
    expect(got).toEqual(records);
    expect(oneByOne.pending).toBe(0);
    expect(new RecordReader(1 << 20).push(stream)).toEqual(records);
  });

  it('copies what it keeps, so the caller may reuse the buffer it passed (the socket does)', () => {
    const reader = new RecordReader(1 << 20);
    const scratch = Buffer.alloc(7);
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i += scratch.length) {
      const n = stream.copy(scratch, 0, i, i + scratch.length);
      got.push(...reader.push(scratch.subarray(0, n)));
      scratch.fill(0xee); // the next read overwrites it
    }
    expect(got).toEqual(records);
  });

  it('names the rest of a large fragment as the next read target, and takes reads into it without copying', () => {
    // As the socket does: each read lands where readTarget says, else in its own buffer.
    const reader = new RecordReader(1 << 20);
    const scratch = Buffer.alloc(4096);
    const got: Buffer[] = [];
    let direct = 0;
    for (let at = 0; at < stream.length;) {
      const target = reader.readTarget() ?? scratch;
      if (target !== scratch) direct++;
      const n = stream.copy(target, 0, at, at + Math.min(target.length, 5000));
      at += n;
      got.push(...reader.push(target.subarray(0, n)));
      scratch.fill(0xee);
    }
    expect(got).toEqual(records);
    // The 70,000-byte record: its first 4 KiB through the scratch buffer, the rest (from 16 KiB
    // left down to none) read in place, 5000 bytes at a time.
    expect(direct).toBeGreaterThanOrEqual(10);
    // In place means the record is the buffer the reads went into, not a copy of it.
    const big = new RecordReader(1 << 20);
    big.push(stream.subarray(0, frameRecord(records[0] as Buffer).length + 100));
    const into = big.readTarget() as Uint8Array;
    expect(into.length).toBe(70_000 - 96);
    const rest = stream.subarray(frameRecord(records[0] as Buffer).length + 100);
    const n = rest.copy(into, 0, 0, into.length);
    const [record] = big.push(into.subarray(0, n));
    expect(record?.buffer).toBe(into.buffer);
    expect(record).toEqual(records[1]);
    expect(big.readTarget()).toBeNull(); // between records: the socket's own buffer
  });

  it('joins a record sent as several fragments', () => {
    const fragment = (data: string, last: boolean): Buffer => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(((last ? 0x80000000 : 0) | data.length) >>> 0);
      return Buffer.concat([header, Buffer.from(data)]);
    };
    const reader = new RecordReader(1024);
    expect(reader.push(fragment('hello ', false))).toEqual([]);
    expect(reader.pending).toBe(6);
    expect(reader.push(fragment('world', true))).toEqual([Buffer.from('hello world')]);
  });

  it('refuses a record larger than allowed instead of buffering it', () => {
    const reader = new RecordReader(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE((0x80000000 | 0x7fffffff) >>> 0);
    expect(() => reader.push(header)).toThrow(/more than 100 bytes/);
  });
});

describe('RPC messages', () => {
  it('writes a CALL with AUTH_SYS credentials as RFC 5531 lays it out', () => {
    const call = callWriter({
      xid: 0x1234,
      program: 100003,
      version: 3,
      procedure: 1,
      auth: { machineName: 'ws', uid: 1000, gid: 100, gids: [100, 27], stamp: 7 },
    }).bytes();
    const xdr = new XdrReader(Buffer.from(call));
    expect([xdr.uint32(), xdr.uint32(), xdr.uint32()]).toEqual([0x1234, 0, 2]);
    expect([xdr.uint32(), xdr.uint32(), xdr.uint32()]).toEqual([100003, 3, 1]);
    expect(xdr.uint32()).toBe(1); // AUTH_SYS
    const cred = new XdrReader(Buffer.from(xdr.opaque()));
    expect(cred.uint32()).toBe(7);
    expect(cred.string()).toBe('ws');
    expect([cred.uint32(), cred.uint32(), cred.uint32(), cred.uint32(), cred.uint32()]).toEqual([
      1000, 100, 2, 100, 27,
    ]);
    expect([xdr.uint32(), xdr.opaque().length]).toEqual([0, 0]); // AUTH_NONE verifier
    expect(xidOf(Buffer.from(call))).toBe(0x1234);
    expect(() =>
      callWriter({
        xid: 1,
        program: 1,
        version: 1,
        procedure: 0,
        auth: { machineName: 'x', uid: 0, gid: 0, gids: Array(17).fill(0) },
      }),
    ).toThrow(/16 groups/);
  });

  const reply = (...words: number[]): Buffer => {
    const xdr = new XdrWriter();
    for (const w of words) xdr.uint32(w);
    return Buffer.from(xdr.bytes());
  };

  it('reads an accepted reply and hands back the results', () => {
    // xid, REPLY, MSG_ACCEPTED, verifier AUTH_NONE + empty body, SUCCESS, then a result word.
    const { xid, results } = readReply(reply(42, 1, 0, 0, 0, 0, 0xbeef));
    expect(xid).toBe(42);
    expect(results.uint32()).toBe(0xbeef);
  });

  it('names why the server refused a call', () => {
    const status = (record: Buffer): string => {
      try {
        readReply(record);
        return 'accepted';
      } catch (error) {
        return error instanceof RpcError ? `${error.status}: ${error.message}` : String(error);
      }
    };
    expect(status(reply(1, 1, 0, 0, 0, 1))).toMatch(/^PROG_UNAVAIL/);
    expect(status(reply(1, 1, 0, 0, 0, 2, 2, 3))).toMatch(/^PROG_MISMATCH: .*versions 2 to 3/);
    expect(status(reply(1, 1, 0, 0, 0, 3))).toMatch(/^PROC_UNAVAIL/);
    expect(status(reply(1, 1, 1, 0, 2, 2))).toMatch(/^RPC_MISMATCH/);
    expect(status(reply(1, 1, 1, 1, 2))).toMatch(/^AUTH_REJECTEDCRED/);
    expect(status(reply(1, 1, 1, 1, 5))).toMatch(/^AUTH_TOOWEAK/);
  });

  it('fails malformed replies with XdrError: wrong type, unknown states, truncation', () => {
    expect(() => readReply(reply(1, 0))).toThrow(/message type 0/);
    expect(() => readReply(reply(1, 1, 7))).toThrow(/reply state 7/);
    expect(() => readReply(reply(1, 1, 0, 0, 0, 99))).toThrow(/accept status 99/);
    expect(() => readReply(reply(1, 1, 1, 9))).toThrow(/reject status 9/);
    expect(() => readReply(reply(1, 1, 0, 0, 500))).toThrow(XdrError); // verifier too long
    expect(() => readReply(reply(1, 1, 0))).toThrow(/Truncated/);
    expect(xidOf(Buffer.from([1, 2]))).toBeNull();
  });
});
