import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MountClient, MountError } from '../../../src-main/protocols/nfs3/mount3';
import { Nfs3Client } from '../../../src-main/protocols/nfs3/nfs3';
import { Nfs3FileSystem } from '../../../src-main/protocols/nfs3/nfs3-fs';
import { Nfs3Error, readFattr3, readPostOpAttr } from '../../../src-main/protocols/nfs3/nfs3-types';
import { RpcClient, RpcConnectionError } from '../../../src-main/protocols/nfs3/rpc-client';
import { readReply, RpcError } from '../../../src-main/protocols/nfs3/rpc-message';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';
import { XdrError, XdrReader, XdrWriter } from '../../../src-main/protocols/nfs3/xdr';
import {
  acceptedHeader,
  scriptedRpc,
  type RpcScript,
  type ScriptedRpc,
} from '../../support/scripted-rpc';

/*
 * The NFSv3 client's decoders fed random and mutated bytes (fast-check), and its RPC transport
 * and procedures fed hostile replies by a scripted server on 127.0.0.1: counts and lengths far
 * beyond the buffer, lists that never end, listings that go round in circles, record marks
 * that lie, servers that cut every reply short. Every case ends in a typed error (XdrError,
 * RpcError, Nfs3Error, MountError, RpcConnectionError) within a bounded time and memory. What
 * nfs3-xdr-rpc.test.ts, nfs3-rpc-client.test.ts and nfs3-procedures.test.ts already pin
 * (hand-picked truncations, one oversized record, BAD_COOKIE, a page that repeats its cookie)
 * is not repeated.
 */

const NFS3_OK = 0;
const DIR = Buffer.from('dir-handle');
let servers: ScriptedRpc[] = [];
let clients: RpcClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
  [servers, clients] = [[], []];
});

async function serve(script: RpcScript): Promise<ScriptedRpc> {
  const server = await scriptedRpc(script);
  servers.push(server);
  return server;
}

function rpcTo(server: ScriptedRpc, timeoutMs = 5000, maxRecordBytes?: number): RpcClient {
  const rpc = new RpcClient({ host: '127.0.0.1', port: server.port, timeoutMs, maxRecordBytes });
  clients.push(rpc);
  return rpc;
}

/** What `p` rejects with, within `ms` (a hang fails the test instead of stalling it). */
async function failure(p: Promise<unknown>, ms = 15_000): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Error(`still pending after ${ms} ms`);
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late), ms)));
  try {
    await Promise.race([p, guard]);
  } catch (error) {
    if (error === late) throw error;
    return error as Error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a failure, got a result');
}

const words = (w: XdrWriter, ...values: number[]): XdrWriter =>
  values.reduce((x, n) => x.uint32(n), w);
const bytesOf = (w: XdrWriter): Buffer => Buffer.from(w.bytes());

/** A fattr3 (RFC 1813 2.5): a regular file of `size` bytes. */
function fattr3(w: XdrWriter, size = 10n): XdrWriter {
  words(w, 1, 0o644, 1, 0, 0).uint64(size).uint64(size);
  words(w, 0, 0).uint64(1n).uint64(99n);
  for (let i = 0; i < 3; i++) w.uint32(1_700_000_000).uint32(0);
  return w;
}

/** One READDIRPLUS entry3 (with value_follows before it): name, cookie, no attributes or handle. */
const entry = (w: XdrWriter, name: string, cookie: bigint): XdrWriter =>
  w.bool(true).uint64(cookie).string(name).uint64(cookie).bool(false).bool(false);

/** A READDIRPLUS3resok page: status, no dir attributes, verifier, entries, end of list, eof. */
function dirPage(entries: [string, bigint][], eof: boolean): Buffer {
  const w = new XdrWriter().uint32(NFS3_OK).bool(false).fixedOpaque(Buffer.from('VERIFIER'));
  for (const [name, cookie] of entries) entry(w, name, cookie);
  return bytesOf(w.bool(false).bool(eof));
}

async function drain(
  listing: AsyncGenerator<{ name: string }>,
): Promise<{ names: string[]; error: Error | null }> {
  const names: string[] = [];
  try {
    for await (const e of listing) names.push(e.name);
    return { names, error: null };
  } catch (error) {
    return { names, error: error as Error };
  }
}

describe('XDR and RPC decoders on random bytes (fast-check)', () => {
  type Op =
    | { op: 'uint32' | 'int32' | 'uint64' | 'bool' }
    | { op: 'opaque' | 'string'; max: number | undefined }
    | { op: 'fixed'; length: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constantFrom<Op>({ op: 'uint32' }, { op: 'int32' }, { op: 'uint64' }, { op: 'bool' }),
    fc.record({
      op: fc.constantFrom('opaque' as const, 'string' as const),
      max: fc.option(fc.nat(4096), { nil: undefined }),
    }),
    fc.record({
      op: fc.constant('fixed' as const),
      length: fc.oneof(fc.nat(64), fc.constant(0x7fffffff)),
    }),
  );
  /** Random words, with lengths that claim far more than the buffer holds mixed in. */
  const xdrBytes = fc
    .array(fc.oneof(fc.nat(), fc.constantFrom(0, 1, 2, 0xffffffff, 0x7fffffff, 0x80000000)), {
      maxLength: 40,
    })
    .map((ws) => bytesOf(words(new XdrWriter(), ...ws)));

  it('XdrReader answers values or XdrError for any bytes and any sequence of reads', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          xdrBytes,
          fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
        ),
        fc.array(op, { maxLength: 20 }),
        (bytes, ops) => {
          const xdr = new XdrReader(bytes);
          for (const o of ops) {
            const before = xdr.remaining;
            try {
              if (o.op === 'opaque') expect(xdr.opaque(o.max).length).toBeLessThanOrEqual(before);
              else if (o.op === 'string') xdr.string(o.max);
              else if (o.op === 'fixed') xdr.fixedOpaque(o.length);
              else if (o.op === 'uint64') expect(xdr.uint64()).toBeGreaterThanOrEqual(0n);
              else if (o.op === 'bool') expect(typeof xdr.bool()).toBe('boolean');
              else xdr[o.op]();
            } catch (error) {
              expect(error).toBeInstanceOf(XdrError);
              return;
            }
            expect(xdr.remaining).toBeLessThanOrEqual(before);
            expect(xdr.remaining).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('readReply answers results, RpcError or XdrError for random and mutated replies', () => {
    const valid = [
      bytesOf(words(new XdrWriter(), 7, 1, 0, 0, 0, 0, 42)),
      bytesOf(words(new XdrWriter(), 7, 1, 0, 1, 8, 0, 0, 0, 0, 0)),
      bytesOf(words(new XdrWriter(), 7, 1, 0, 0, 0, 2, 2, 3)),
      bytesOf(words(new XdrWriter(), 7, 1, 1, 0, 2, 2)),
      bytesOf(words(new XdrWriter(), 7, 1, 1, 1, 5)),
    ];
    const mutated = fc
      .tuple(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(63), fc.nat(255)), { maxLength: 6 }),
        fc.nat(64),
      )
      .map(([record, edits, cut]) => {
        const b = Buffer.from(record.subarray(0, cut));
        for (const [at, value] of edits) if (at < b.length) b[at] = value;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, xdrBytes), (record) => {
        try {
          const { results } = readReply(record);
          expect(results.remaining).toBeLessThanOrEqual(record.length);
        } catch (error) {
          expect(error instanceof RpcError || error instanceof XdrError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('readFattr3 and post_op_attr answer attributes, XdrError or NFS3ERR_BADTYPE, with 64-bit values as they come', () => {
    const whole = bytesOf(fattr3(new XdrWriter().bool(true), 2n ** 64n - 1n));
    const inputs = fc.oneof(
      xdrBytes,
      fc
        .tuple(
          fc.nat(whole.length),
          fc.array(fc.tuple(fc.nat(whole.length - 1), fc.nat(255)), { maxLength: 4 }),
        )
        .map(([cut, edits]) => {
          const b = Buffer.from(whole.subarray(0, cut));
          for (const [at, value] of edits) if (at < b.length) b[at] = value;
          return b;
        }),
    );
    expect(readPostOpAttr(new XdrReader(whole))?.size).toBe(2n ** 64n - 1n);
    fc.assert(
      fc.property(inputs, fc.boolean(), (bytes, postOp) => {
        try {
          const attributes = postOp
            ? readPostOpAttr(new XdrReader(bytes))
            : readFattr3(new XdrReader(bytes));
          if (attributes) {
            expect(attributes.size).toBeGreaterThanOrEqual(0n);
            expect(attributes.size).toBeLessThan(2n ** 64n);
            expect(Number.isFinite(attributes.mtimeMs)).toBe(true);
          }
        } catch (error) {
          if (error instanceof Nfs3Error) expect(error.status).toBe('NFS3ERR_BADTYPE');
          else expect(error).toBeInstanceOf(XdrError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('RecordReader reassembles valid records however split, and refuses lying marks with XdrError, bounded', () => {
    const MAX = 4096;
    /** A record as 1-4 fragments (the last one marked), chunked at random points. */
    const stream = fc.array(
      fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 4 })),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        (records, cuts) => {
          const wire: Buffer[] = [];
          for (const [data, pieces] of records) {
            const size = Math.ceil(data.length / pieces) || 1;
            for (let at = 0; at < data.length || at === 0; at += size) {
              const fragment = data.subarray(at, at + size);
              const head = Buffer.alloc(4);
              head.writeUInt32BE(
                ((at + size >= data.length ? 0x80000000 : 0) | fragment.length) >>> 0,
              );
              wire.push(head, Buffer.from(fragment));
              if (data.length === 0) break;
            }
          }
          const bytes = Buffer.concat(wire);
          const reader = new RecordReader(MAX);
          const got: Buffer[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length] as number;
            got.push(...reader.push(bytes.subarray(at, at + n)));
            at += n;
          }
          expect(got.map((b) => b.toString('hex'))).toEqual(
            records.map(([d]) => Buffer.from(d).toString('hex')),
          );
          expect(reader.pending).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
    // Random words as record marks: either records, or XdrError; never more held than allowed.
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.nat(), fc.constantFrom(0, 0x80000000, 0x7fffffff, 0xffffffff, 0x80000010)),
          { maxLength: 200 },
        ),
        (marks) => {
          const reader = new RecordReader(MAX);
          try {
            reader.push(bytesOf(words(new XdrWriter(), ...marks.map((m) => m >>> 0))));
          } catch (error) {
            expect(error).toBeInstanceOf(XdrError);
          }
          expect(reader.pending).toBeLessThanOrEqual(MAX + 4);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('RecordReader refuses a record of endless empty fragments instead of keeping each one', () => {
    const reader = new RecordReader(1 << 20);
    const empties = Buffer.alloc(4 * 5000); // 5000 marks: length 0, not the last fragment
    expect(() => reader.push(empties)).toThrow(/more than 1024 fragments/);
    // A mark claiming 2 GiB is refused from its 4 bytes, before anything is allocated for it.
    const claim = new RecordReader(1 << 20);
    expect(() => claim.push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(XdrError);
    expect(claim.pending).toBe(0);
  });
});

describe('NFSv3 procedures on hostile replies', () => {
  it('READDIRPLUS: a page whose entries go on until the reply ends (no end of list) fails with XdrError', async () => {
    const server = await serve(() => {
      const w = new XdrWriter().uint32(NFS3_OK).bool(false).fixedOpaque(Buffer.from('VERIFIER'));
      for (let i = 1; i <= 500; i++) entry(w, `f${i}`, BigInt(i));
      return { results: bytesOf(w) }; // value_follows true to the last byte, then nothing
    });
    const { names, error } = await drain(new Nfs3Client(rpcTo(server)).readdirplus(DIR));
    expect(error).toBeInstanceOf(XdrError);
    expect(error?.message).toMatch(/Truncated XDR/);
    expect(names).toHaveLength(500);
    expect(server.calls).toHaveLength(1);
  });

  it('READDIRPLUS: a listing whose cookies go round in circles (1 -> 2 -> 1) ends with Nfs3Error', async () => {
    const pages: Record<string, Buffer> = {
      '0': dirPage([['a', 1n]], false),
      '1': dirPage([['b', 2n]], false),
      '2': dirPage([['a', 1n]], false), // back to cookie 1: the same pages again, for ever
    };
    const server = await serve(({ args }) => {
      const xdr = new XdrReader(args);
      xdr.opaque();
      return { results: pages[String(xdr.uint64())] as Buffer };
    });
    const { names, error } = await drain(new Nfs3Client(rpcTo(server)).readdirplus(DIR));
    expect(names).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(Nfs3Error);
    expect(error?.message).toBe(
      'READDIRPLUS (cookie 1 leads back to a page already read): NFS3ERR_TOOSMALL',
    );
    expect(server.calls).toHaveLength(3);
  });

  it('READ, READLINK and LOOKUP refuse lengths beyond their limits without allocating them', async () => {
    const replies = [
      // READ: count and opaque length 0xffffffff, 8 bytes there.
      bytesOf(words(new XdrWriter().uint32(NFS3_OK).bool(false), 0xffffffff, 0, 0xffffffff, 1, 2)),
      // READLINK: a 4 GiB path.
      bytesOf(words(new XdrWriter().uint32(NFS3_OK).bool(false), 0xfffffff0)),
      // LOOKUP: a 65-byte handle (NFS3_FHSIZE is 64), all there.
      bytesOf(new XdrWriter().uint32(NFS3_OK).opaque(Buffer.alloc(65, 1)).bool(false)),
    ];
    const server = await serve(() => ({ results: replies[server.calls.length - 1] as Buffer }));
    const nfs = new Nfs3Client(rpcTo(server));
    expect((await failure(nfs.read(Buffer.from('f'), 0n, 4096))).message).toMatch(
      /4294967295 bytes, at most 4096/,
    );
    expect((await failure(nfs.readlink(Buffer.from('l')))).message).toMatch(/at most 4096/);
    const lookup = await failure(nfs.lookup(DIR, 'x'));
    expect(lookup).toBeInstanceOf(XdrError);
    expect(lookup.message).toMatch(/65 bytes, at most 64/);
  });

  it('MOUNT: refuses 2^32-1 auth flavors, and an EXPORT list that never ends', async () => {
    const replies = [
      bytesOf(words(new XdrWriter().uint32(0).opaque(Buffer.from('root-fh')), 0xffffffff)),
      (() => {
        const w = new XdrWriter();
        for (let i = 0; i < 300; i++)
          w.bool(true).string(`/export/${i}`).bool(true).string('*').bool(false);
        return bytesOf(w); // value_follows for ever: the reply ends inside the list
      })(),
      bytesOf(new XdrWriter().bool(true).string('/a').bool(true).uint32(0xfffffff0)),
    ];
    const server = await serve(() => ({ results: replies[server.calls.length - 1] as Buffer }));
    const mount = new MountClient(rpcTo(server));
    const flavors = await failure(mount.mount('/export'));
    expect(flavors).toBeInstanceOf(MountError);
    expect(flavors.message).toBe('4294967295 auth flavors: malformed');
    expect(await failure(mount.exports())).toBeInstanceOf(XdrError);
    expect((await failure(mount.exports())).message).toMatch(/at most 255/);
  });
});

describe('Nfs3FileSystem reads of a file larger in GETATTR than in READ', () => {
  it('a size of 2^64 - 1 with 3 bytes of data: the stream ends after the data, without READs up to the claim', async () => {
    const server = await serve(({ procedure, args }) => {
      if (procedure === 3) {
        // LOOKUP: the file's handle, no attributes.
        return {
          results: bytesOf(
            new XdrWriter().uint32(NFS3_OK).opaque(Buffer.from('fh')).bool(false).bool(false),
          ),
        };
      }
      if (procedure === 1)
        return { results: bytesOf(fattr3(new XdrWriter().uint32(NFS3_OK), 2n ** 64n - 1n)) };
      if (procedure === 6) {
        const xdr = new XdrReader(args);
        xdr.opaque();
        const data = xdr.uint64() === 0n ? Buffer.from('abc') : Buffer.alloc(0);
        return {
          results: bytesOf(
            words(new XdrWriter().uint32(NFS3_OK).bool(false), data.length, 1).opaque(data),
          ),
        };
      }
      return { results: Buffer.from([0, 0, 0, 10004]) };
    });
    const fs = new Nfs3FileSystem({
      nfs: new Nfs3Client(rpcTo(server)),
      root: Buffer.from('root'),
      rtmax: 65536,
      wtmax: 65536,
    });
    const stream = await fs.read('f');
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    })();
    await Promise.race([
      reading,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('still reading after 10 s')), 10_000),
      ),
    ]);
    expect(Buffer.concat(chunks).toString()).toBe('abc');
    // The READs in flight when the end showed (16 at most), not 2^64 / 64 KiB of them.
    expect(server.calls.filter((c) => c.procedure === 6).length).toBeLessThanOrEqual(16);
  });
});

describe('RPC transport on hostile streams', () => {
  it('ignores a reply to an xid never sent, and answers the real one', async () => {
    const server = await serve((call) => [
      {
        raw: frameRecord(
          Buffer.concat([acceptedHeader(call.xid ^ 0x5555), Buffer.from([0, 0, 0, 1])]),
        ),
      },
      { raw: frameRecord(Buffer.from([1, 2])) }, // too short to have an xid
      { results: Buffer.from([0, 0, 0, 2, 0, 0, 0, 0]) }, // NFS3ERR_NOENT, no attributes
    ]);
    const error = await failure(new Nfs3Client(rpcTo(server)).access(DIR, 1));
    expect(error).toBeInstanceOf(Nfs3Error);
    expect(error.message).toBe('ACCESS: NFS3ERR_NOENT');
  });

  it('drops a stream of endless empty fragments and fails its calls with XdrError at once', async () => {
    const server = await serve(() => ({ raw: Buffer.alloc(4 * 4096) }));
    const error = await failure(rpcTo(server, 20_000).call(100003, 3, 0, () => undefined));
    expect(error).toBeInstanceOf(XdrError);
    expect(error.message).toMatch(/more than 1024 fragments/);
  });

  it('a server that cuts every reply short and hangs up: the call ends at its limit, naming the server, after a bounded number of resends', async () => {
    const server = await serve((call) => [
      {
        raw: frameRecord(Buffer.concat([acceptedHeader(call.xid), Buffer.alloc(64)])).subarray(
          0,
          20,
        ),
      },
      'close',
    ]);
    const started = Date.now();
    const error = await failure(rpcTo(server, 3000).call(100003, 3, 0, () => undefined));
    expect(error).toBeInstanceOf(RpcConnectionError);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    // Resent with the same xid on new connections (a dropped reply is not a failure), but with
    // backoff: not a connection per millisecond for the whole limit.
    expect(new Set(server.calls.map((c) => c.xid)).size).toBe(1);
    expect(server.connections()).toBeGreaterThanOrEqual(2);
    expect(server.connections()).toBeLessThanOrEqual(15);
  });
});
