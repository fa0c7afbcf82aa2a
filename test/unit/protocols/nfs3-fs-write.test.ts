import { describe, expect, it } from 'vitest';
import type { Nfs3Client, Stability } from '../../../src-main/protocols/nfs3/nfs3';
import { Nfs3FileSystem } from '../../../src-main/protocols/nfs3/nfs3-fs';
import { streamWrite } from '../../../src-main/protocols/nfs3/nfs3-write';

/*
 * The write path's COMMIT verifier rule, with a stand-in for the NFSv3 client (the path against
 * the real server is in test/integration/nfs-rpc.test.ts): a server that restarted between the
 * WRITEs and the COMMIT answers another verifier, and what it may have lost is sent again.
 */

function fakeServer(options: {
  restartBeforeCommit: number | null;
  shortWrites?: boolean;
  commitMs?: number;
}) {
  const stored = Buffer.alloc(4 * 1024 * 1024);
  /** What COMMITs made durable: what survives a restart. */
  const durable = Buffer.alloc(stored.length);
  let size = 0;
  let verifier = Buffer.from('AAAAAAAA');
  let commits = 0;
  const writes: { offset: number; length: number; stable: Stability }[] = [];
  const log: string[] = [];
  const client = {
    create: async () => Buffer.from('file-handle'),
    lookup: async () => ({ handle: Buffer.from('dir'), attributes: null }),
    setattr: async () => undefined,
    write: async (_h: Buffer, offset: bigint, data: Uint8Array, stable: Stability) => {
      // A short write now and then, as a server may answer.
      const count =
        options.shortWrites && data.length > 1000 ? Math.floor(data.length / 2) : data.length;
      stored.set(data.subarray(0, count), Number(offset));
      size = Math.max(size, Number(offset) + count);
      writes.push({ offset: Number(offset), length: count, stable });
      log.push(`write ${offset}`);
      return { count, committed: stable, verifier };
    },
    commit: async () => {
      commits++;
      log.push(`commit ${commits} sent`);
      // The server flushes to disk meanwhile.
      await new Promise((resolve) => setTimeout(resolve, options.commitMs ?? 0));
      log.push(`commit ${commits} answered`);
      if (commits === options.restartBeforeCommit) {
        // The server restarted: its cache of UNSTABLE data is gone, and so is its verifier.
        stored.set(durable);
        verifier = Buffer.from('BBBBBBBB');
      }
      durable.set(stored);
      return verifier;
    },
  };
  return {
    client: client as unknown as Nfs3Client,
    content: () => stored.subarray(0, size),
    writes,
    log,
  };
}

const data = Buffer.alloc(300_000);
for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
const pieces = async function* (): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += 10_000) yield data.subarray(i, i + 10_000);
};

describe('Nfs3FileSystem.write', () => {
  it('writes UNSTABLE within wtmax and commits once when nothing was lost', async () => {
    const server = fakeServer({ restartBeforeCommit: null });
    const fs = new Nfs3FileSystem({
      nfs: server.client,
      root: Buffer.from('root'),
      rtmax: 65536,
      wtmax: 65536,
    });
    expect(await fs.write('dir/out.bin', pieces(), 'GUARDED')).toBe(data.length);
    expect(server.content().equals(data)).toBe(true);
    expect(server.writes.every((w) => w.stable === 'UNSTABLE' && w.length <= 65536)).toBe(true);
  });

  it('sends everything again, FILE_SYNC, when the COMMIT verifier shows the server restarted', async () => {
    const server = fakeServer({ restartBeforeCommit: 1 });
    const fs = new Nfs3FileSystem({
      nfs: server.client,
      root: Buffer.from('root'),
      rtmax: 65536,
      wtmax: 65536,
    });
    expect(await fs.write('out.bin', pieces(), 'UNCHECKED')).toBe(data.length);
    expect(server.content().equals(data)).toBe(true);
    const resent = server.writes.filter((w) => w.stable === 'FILE_SYNC');
    expect(resent.reduce((n, w) => n + w.length, 0)).toBe(data.length);
  });

  it('writes a file that fits in one WRITE as one FILE_SYNC WRITE, with no COMMIT', async () => {
    const server = fakeServer({ restartBeforeCommit: null });
    const small = data.subarray(0, 4096);
    const written = await streamWrite(
      (async function* () {
        yield small.subarray(0, 1000);
        yield small.subarray(1000);
      })(),
      { nfs: server.client, handle: Buffer.from('h'), chunkBytes: 65536, path: 'small.bin' },
    );
    expect(written).toBe(4096);
    expect(server.content().equals(small)).toBe(true);
    expect(server.writes).toEqual([{ offset: 0, length: 4096, stable: 'FILE_SYNC' }]);
    expect(server.log.filter((l) => l.startsWith('commit'))).toEqual([]);
  });

  it('completes short writes', async () => {
    const server = fakeServer({ restartBeforeCommit: null, shortWrites: true });
    const fs = new Nfs3FileSystem({
      nfs: server.client,
      root: Buffer.from('root'),
      rtmax: 65536,
      wtmax: 65536,
    });
    await fs.write('out.bin', pieces(), 'GUARDED');
    expect(server.content().equals(data)).toBe(true);
  });

  it('commits window by window while the next window is written, and resends only a lost window', async () => {
    const server = fakeServer({ restartBeforeCommit: 2, commitMs: 20 });
    const written = await streamWrite(pieces(), {
      nfs: server.client,
      handle: Buffer.from('file'),
      chunkBytes: 20_000,
      windowBytes: 100_000,
      path: 'out.bin',
    });
    expect(written).toBe(data.length);
    expect(server.content().equals(data)).toBe(true);
    // Three windows of 100,000 bytes, three COMMITs. The restart lost the second window (and
    // whatever of the third went out before it); the first, committed, was not sent again.
    expect(server.log.filter((e) => e.endsWith('sent'))).toHaveLength(3);
    const resent = server.writes.filter((w) => w.stable === 'FILE_SYNC').map((w) => w.offset);
    expect(resent).toEqual(expect.arrayContaining([100_000, 120_000, 140_000, 160_000, 180_000]));
    expect(resent.every((offset) => offset >= 100_000)).toBe(true);
    // The first COMMIT was answered only after the next window's WRITEs had gone out.
    const sent = server.log.indexOf('commit 1 sent');
    const answered = server.log.indexOf('commit 1 answered');
    expect(server.log.slice(sent, answered).some((e) => e.startsWith('write '))).toBe(true);
  });
});
