import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Nfs3Client } from '../../../src-main/protocols/nfs3/nfs3';
import { READS_IN_FLIGHT, streamRead } from '../../../src-main/protocols/nfs3/nfs3-read';
import { Nfs3Error } from '../../../src-main/protocols/nfs3/nfs3-types';

/*
 * The read path's stream, over a stand-in for the NFSv3 client that answers READs out of order
 * (the path against the real server is in test/integration/nfs-rpc.test.ts and nfs.test.ts):
 * bytes in order, READs in flight bounded while the reader waits, calls sent in batches.
 */

const CHUNK = 64 * 1024;

function fakeFile(content: Buffer, options: { failAt?: number } = {}) {
  const calls: { offset: number; count: number; batch: number }[] = [];
  let batch = 0;
  let batchOpen = false;
  let answered = 0;
  const released: Uint8Array[] = [];
  const client = {
    releaseRead: (data: Uint8Array) => void released.push(data),
    read: async (_handle: Buffer, offset: bigint, count: number) => {
      // Calls made in one synchronous run are one batch (one socket write in the real client).
      if (!batchOpen) {
        batchOpen = true;
        batch++;
        queueMicrotask(() => void (batchOpen = false));
      }
      const at = Number(offset);
      calls.push({ offset: at, count, batch });
      // Answered out of order: later calls sometimes first.
      await new Promise((resolve) => setTimeout(resolve, (at / count) % 3));
      if (options.failAt !== undefined && at >= options.failAt) {
        throw new Nfs3Error(5, 'NFS3ERR_IO', 'READ: NFS3ERR_IO');
      }
      answered++;
      const data = Buffer.from(content.subarray(at, at + count));
      return { data, eof: at + count >= content.length };
    },
  };
  return { client: client as unknown as Nfs3Client, calls, answered: () => answered, released };
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('streamRead', () => {
  it('passes on the bytes of many READs in order, however they are answered', async () => {
    const content = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i + 4 <= content.length; i += 4) content.writeUInt32LE(i, i);
    const file = fakeFile(content);
    const stream = streamRead({
      nfs: file.client,
      handle: Buffer.from('h'),
      start: 0,
      last: content.length - 1,
      chunkBytes: CHUNK,
    });
    const hash = createHash('sha256');
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(sha(content));
    expect(file.calls.length).toBe(Math.ceil(content.length / CHUNK));
  });

  it('asks for at most the READs in flight while the reader waits, and sends them in batches', async () => {
    const content = Buffer.alloc(64 * CHUNK, 3);
    const file = fakeFile(content);
    const stream = streamRead({
      nfs: file.client,
      handle: Buffer.from('h'),
      start: 0,
      last: content.length - 1,
      chunkBytes: CHUNK,
    });
    const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let got = (await iterator.next()).value.length as number;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The reader holds one READ's worth; the stream one more; the rest are READs in flight.
    expect(file.calls.length).toBeLessThanOrEqual(READS_IN_FLIGHT + 2);
    expect(file.answered()).toBeLessThanOrEqual(READS_IN_FLIGHT + 2);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      got += (next.value as Buffer).length;
    }
    expect(got).toBe(content.length);
    // After the first window, READs go out a quarter of the window at a time.
    const sizes = new Map<number, number>();
    for (const call of file.calls) sizes.set(call.batch, (sizes.get(call.batch) ?? 0) + 1);
    const batches = [...sizes.values()];
    expect(batches[0]).toBe(READS_IN_FLIGHT);
    expect(batches.slice(1, -1).every((n) => n >= READS_IN_FLIGHT / 4)).toBe(true);
    expect(batches.length).toBeLessThan(file.calls.length / 2);
  });

  it('ends at the end of a file that shrank, asking nothing past it', async () => {
    const content = Buffer.alloc(3 * CHUNK + 100, 9);
    const file = fakeFile(content);
    const stream = streamRead({
      nfs: file.client,
      handle: Buffer.from('h'),
      start: 0,
      last: 2 ** 40, // the size it claimed when listed
      chunkBytes: CHUNK,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(file.calls.length).toBeLessThanOrEqual(4 + READS_IN_FLIGHT);
  });

  it('gives back the reply of a chunk released as it was passed on, once, and nothing else', async () => {
    const content = Buffer.alloc(8 * CHUNK, 5);
    const file = fakeFile(content);
    const stream = streamRead({
      nfs: file.client,
      handle: Buffer.from('h'),
      start: 0,
      last: content.length - 1,
      chunkBytes: CHUNK,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    const [first, second, third] = chunks as [Buffer, Buffer, Buffer];
    stream.releaseChunk(first);
    stream.releaseChunk(first); // twice: the buffer may already be another reply's
    stream.releaseChunk(second.subarray(0, 10)); // a part: the rest may still be read
    stream.releaseChunk(Buffer.from(third)); // a copy: not the stream's
    expect(file.released).toEqual([first]);
    expect(file.released[0]).toBe(first);
  });

  it('fails the stream with the READ error, in its turn', async () => {
    const content = Buffer.alloc(20 * CHUNK, 1);
    const file = fakeFile(content, { failAt: 10 * CHUNK });
    const stream = streamRead({
      nfs: file.client,
      handle: Buffer.from('h'),
      start: 0,
      last: content.length - 1,
      chunkBytes: CHUNK,
    });
    let got = 0;
    const error = await (async () => {
      for await (const chunk of stream as AsyncIterable<Buffer>) got += chunk.length;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 'NFS3ERR_IO' });
    expect(got).toBe(10 * CHUNK); // everything before the failed READ, nothing after
  });
});
