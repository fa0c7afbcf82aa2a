import { describe, expect, it } from 'vitest';
import { ReplyBufferPool } from '../../../src-main/protocols/nfs3/reply-buffers';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';

/*
 * The reply buffers a READ's data is read into, used again once the reader gives them back
 * (the path against the real server: test/integration/nfs-rpc.test.ts).
 */

const KIB = 1024;

describe('ReplyBufferPool', () => {
  it('lends a buffer given back again, and only one given back', () => {
    const pool = new ReplyBufferPool(256 * KIB, 1024 * KIB);
    const a = pool.take(200 * KIB);
    const b = pool.take(256 * KIB);
    expect(a.length).toBe(200 * KIB);
    expect(a.buffer).not.toBe(b.buffer);
    pool.release(a.subarray(100, 200)); // any view into it
    const c = pool.take(150 * KIB);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.take(150 * KIB).buffer).not.toBe(b.buffer); // b is still lent
  });

  it('ignores memory it did not lend, and a buffer given back twice', () => {
    const pool = new ReplyBufferPool(256 * KIB, 1024 * KIB);
    pool.release(Buffer.alloc(256 * KIB));
    expect(pool.idleCount).toBe(0);
    const a = pool.take(256 * KIB);
    pool.release(a);
    pool.release(a);
    expect(pool.idleCount).toBe(1);
    const b = pool.take(256 * KIB);
    const c = pool.take(256 * KIB);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer); // not lent twice
  });

  it('keeps at most its idle bytes, and serves only replies that fill most of a buffer', () => {
    const pool = new ReplyBufferPool(256 * KIB, 512 * KIB);
    const lent = [pool.take(256 * KIB), pool.take(256 * KIB), pool.take(256 * KIB)];
    for (const buffer of lent) pool.release(buffer);
    expect(pool.idleCount).toBe(2);
    expect(pool.serves(256 * KIB)).toBe(true);
    expect(pool.serves(129 * KIB)).toBe(true);
    expect(pool.serves(64 * KIB)).toBe(false);
    expect(pool.serves(256 * KIB + 1)).toBe(false);
    expect(() => pool.take(256 * KIB + 1)).toThrow(RangeError);
  });
});

describe('RecordReader with a reply pool', () => {
  it('reads large records into pool buffers, small ones and split ones not, bytes intact', () => {
    const pool = new ReplyBufferPool(64 * KIB, 1024 * KIB);
    const large = Buffer.alloc(60 * KIB, 7);
    large.writeUInt32BE(42, 0);
    const small = Buffer.from('a small reply....');
    const reader = new RecordReader(1024 * KIB, pool);
    const wire = Buffer.concat([frameRecord(large), frameRecord(small)]);
    // Delivered in pieces, as TCP may.
    const records = [
      ...reader.push(wire.subarray(0, 1000)),
      ...reader.push(wire.subarray(1000, 50_000)),
      ...reader.push(wire.subarray(50_000)),
    ];
    expect(records.map((r) => r.length)).toEqual([large.length, small.length]);
    expect((records[0] as Buffer).equals(large)).toBe(true);
    expect((records[1] as Buffer).equals(small)).toBe(true);
    expect(pool.idleCount).toBe(0);
    pool.release(records[0] as Buffer);
    expect(pool.idleCount).toBe(1); // it was the pool's
    pool.release(records[1] as Buffer);
    expect(pool.idleCount).toBe(1); // it was not

    // The next large record lands in the buffer given back.
    const next = Buffer.alloc(40 * KIB, 9);
    const [again] = reader.push(frameRecord(next));
    expect(again?.buffer).toBe((records[0] as Buffer).buffer);
    expect(again?.equals(next)).toBe(true);
  });

  it('gives back the fragments of a record sent in several, once they are copied into one', () => {
    const pool = new ReplyBufferPool(64 * KIB, 1024 * KIB);
    const reader = new RecordReader(1024 * KIB, pool);
    const part = (bytes: number, fill: number, last: boolean): Buffer => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(((last ? 0x80000000 : 0) | bytes) >>> 0);
      return Buffer.concat([header, Buffer.alloc(bytes, fill)]);
    };
    const [record] = reader.push(
      Buffer.concat([part(40 * KIB, 1, false), part(50 * KIB, 2, true)]),
    );
    expect(record?.length).toBe(90 * KIB);
    expect(record?.[0]).toBe(1);
    expect(record?.[90 * KIB - 1]).toBe(2);
    expect(pool.idleCount).toBe(2);
  });

  it('reads only the headers of a record into its own buffer while large records stream', () => {
    const reader = new RecordReader(1024 * KIB);
    expect(reader.scratchBytes(256 * KIB)).toBe(256 * KIB); // nothing known yet
    reader.push(frameRecord(Buffer.alloc(100 * KIB, 1)));
    // After a large record: the next one's headers only, its data then goes to readTarget.
    expect(reader.scratchBytes(256 * KIB)).toBe(4 * KIB);
    const wire = frameRecord(Buffer.alloc(100 * KIB, 2));
    reader.push(wire.subarray(0, 4 * KIB));
    expect(reader.readTarget()?.length).toBe(100 * KIB + 4 - 4 * KIB);
    reader.push(wire.subarray(4 * KIB, wire.length - 1000));
    // Less than a direct read's worth left: that much and the next record's headers.
    expect(reader.readTarget()).toBeNull();
    expect(reader.scratchBytes(256 * KIB)).toBe(1000 + 4 * KIB);
    reader.push(wire.subarray(wire.length - 1000));
    reader.push(frameRecord(Buffer.from('small')));
    expect(reader.scratchBytes(256 * KIB)).toBe(256 * KIB); // small replies: read many at once
  });
});
