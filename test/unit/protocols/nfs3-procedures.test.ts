import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Nfs3Client, type DirEntry } from '../../../src-main/protocols/nfs3/nfs3';
import { Nfs3Error } from '../../../src-main/protocols/nfs3/nfs3-types';
import { RpcClient, RpcConnectionError } from '../../../src-main/protocols/nfs3/rpc-client';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';
import { XdrError, XdrReader, XdrWriter } from '../../../src-main/protocols/nfs3/xdr';

/*
 * NFSv3 procedures (nfs3.ts) over a real RpcClient, against a scripted peer on 127.0.0.1 that
 * parses each CALL and answers hand-built XDR: READDIRPLUS paging and its BAD_COOKIE restart,
 * the JUKEBOX retries, CREATE's createhow3 on the wire, and malformed replies. A scripted peer,
 * not nfs-ganesha, because only it can answer what a real server rarely does (expired cookies,
 * JUKEBOX, truncated or oversized data) and show the exact bytes the client sent.
 */

const NFS3_OK = 0;
const BAD_COOKIE = 10003;
const JUKEBOX = 10008;
const DIR = Buffer.from('dir-handle');

interface Call {
  program: number;
  version: number;
  procedure: number;
  /** The procedure's arguments, as sent. */
  args: Buffer;
}

/** The results to answer (after an accepted reply header), or null for no answer. */
type Script = (call: Call) => Buffer | null;

let servers: net.Server[] = [];
let clients: RpcClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  servers = [];
});

async function peer(
  script: Script,
): Promise<{ nfs: (delayMs?: number) => Nfs3Client; calls: Call[] }> {
  const calls: Call[] = [];
  const server = net.createServer((socket) => {
    const reader = new RecordReader(1 << 20);
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      for (const record of reader.push(data)) {
        const xdr = new XdrReader(record);
        const xid = xdr.uint32();
        xdr.uint32(); // CALL
        xdr.uint32(); // RPC version
        const program = xdr.uint32();
        const version = xdr.uint32();
        const procedure = xdr.uint32();
        xdr.uint32();
        xdr.opaque(); // credentials
        xdr.uint32();
        xdr.opaque(); // verifier
        const args = record.subarray(record.length - xdr.remaining);
        const call = { program, version, procedure, args };
        calls.push(call);
        const results = script(call);
        if (results) socket.write(frameRecord(Buffer.concat([accepted(xid), results])));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    calls,
    nfs: (delayMs = 5) => {
      const rpc = new RpcClient({ host: '127.0.0.1', port, timeoutMs: 5_000 });
      clients.push(rpc);
      return new Nfs3Client(rpc, delayMs);
    },
  };
}

const done = (w: XdrWriter): Buffer => Buffer.from(w.bytes());
/** `values` as uint32s after what `w` holds. */
const words = (w: XdrWriter, ...values: number[]): XdrWriter =>
  values.reduce((x, n) => x.uint32(n), w);
/** xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS. */
const accepted = (xid: number): Buffer => done(words(new XdrWriter(), xid, 1, 0, 0, 0, 0));

/** fattr3 of a regular file (mode 0100644, times 1.7e9 s and a half). */
function fattr3(w: XdrWriter, fileid: bigint, type = 1): XdrWriter {
  words(w, type, 0o100644, 1, 1000, 100)
    .uint64(2n ** 60n)
    .uint64(4096n);
  words(w, 0, 0).uint64(7n).uint64(fileid); // rdev, fsid, fileid
  for (let i = 0; i < 3; i++) w.uint32(1_700_000_000).uint32(500_000_000);
  return w;
}

/** A READDIRPLUS3resok page: each entry with attributes and a handle "fh-NAME". */
function dirPage(verifier: string, entries: Record<string, bigint>, eof: boolean): Buffer {
  const w = new XdrWriter().uint32(NFS3_OK).bool(false).fixedOpaque(Buffer.from(verifier));
  for (const [name, cookie] of Object.entries(entries)) {
    w.bool(true).uint64(1000n + cookie);
    w.string(name).uint64(cookie);
    fattr3(w.bool(true), 1000n + cookie);
    w.bool(true).opaque(Buffer.from(`fh-${name}`));
  }
  return done(w.bool(false).bool(eof));
}

/** A failed result whose only other field is a post_op_attr (READ, READDIRPLUS...). */
const failure = (status: number): Buffer => done(new XdrWriter().uint32(status).bool(false));

/** The cookie and verifier a READDIRPLUS call carried. */
function listingArgs(args: Buffer): { cookie: bigint; verifier: string } {
  const xdr = new XdrReader(args);
  xdr.opaque();
  const cookie = xdr.uint64();
  return { cookie, verifier: xdr.fixedOpaque(8).toString('latin1') };
}

/** The names a listing yields, and what it ended with (null: the end). */
async function drain(
  listing: AsyncGenerator<DirEntry>,
): Promise<{ names: string[]; error: unknown }> {
  const names: string[] = [];
  try {
    for await (const entry of listing) names.push(entry.name);
    return { names, error: null };
  } catch (error) {
    return { names, error };
  }
}

const ZERO = '\0'.repeat(8);

describe('Nfs3Client READDIRPLUS', () => {
  it('pages with the cookie and verifier of the previous page, leaving out . and ..', async () => {
    const server = await peer(({ args }) => {
      const { cookie } = listingArgs(args);
      if (cookie === 0n) return dirPage('VERIFY01', { '.': 1n, '..': 2n, a: 3n, b: 4n }, false);
      if (cookie === 4n) return dirPage('VERIFY02', { c: 5n, d: 6n }, false);
      return dirPage('VERIFY03', { e: 9n }, true);
    });
    const entries: DirEntry[] = [];
    for await (const entry of server.nfs().readdirplus(DIR)) entries.push(entry);
    expect(entries.map((e) => e.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(server.calls.map((c) => listingArgs(c.args))).toEqual([
      { cookie: 0n, verifier: ZERO },
      { cookie: 4n, verifier: 'VERIFY01' },
      { cookie: 6n, verifier: 'VERIFY02' },
    ]);
    expect(server.calls.every((c) => c.program === 100003 && c.version === 3)).toBe(true);
    expect(server.calls.every((c) => c.procedure === 17)).toBe(true);
    const [first] = entries;
    expect(first?.cookie).toBe(3n);
    expect(first?.fileid).toBe(1003n);
    expect(first?.handle).toEqual(Buffer.from('fh-a'));
    expect(first?.attributes).toMatchObject({ type: 'file', mode: 0o644, size: 2n ** 60n });
    expect(first?.attributes?.mtimeMs).toBe(1_700_000_000_500);
  });

  it('starts over from cookie 0 and a zero verifier after NFS3ERR_BAD_COOKIE, giving no name twice', async () => {
    let expired = false;
    const server = await peer(({ args }) => {
      const { cookie } = listingArgs(args);
      if (cookie === 0n && !expired) return dirPage('VERIFY01', { a: 1n, b: 2n }, false);
      if (cookie === 2n) {
        expired = true;
        return failure(BAD_COOKIE);
      }
      // The folder changed: the listing from the start now has c as well.
      if (cookie === 0n) return dirPage('VERIFY02', { a: 1n, b: 2n, c: 3n }, false);
      return dirPage('VERIFY02', { d: 4n }, true);
    });
    const { names, error } = await drain(server.nfs().readdirplus(DIR));
    expect(error).toBeNull();
    expect(names).toEqual(['a', 'b', 'c', 'd']);
    expect(server.calls.map((c) => listingArgs(c.args))).toEqual([
      { cookie: 0n, verifier: ZERO },
      { cookie: 2n, verifier: 'VERIFY01' },
      { cookie: 0n, verifier: ZERO },
      { cookie: 3n, verifier: 'VERIFY02' },
    ]);
  });

  it('gives up with Nfs3Error after a bounded number of restarts when every cookie expires', async () => {
    const server = await peer(({ args }) =>
      listingArgs(args).cookie === 0n ? dirPage('VERIFY01', { a: 1n }, false) : failure(BAD_COOKIE),
    );
    const { names, error } = await drain(server.nfs().readdirplus(DIR));
    expect(error).toBeInstanceOf(Nfs3Error);
    expect(error).toMatchObject({ code: BAD_COOKIE, status: 'NFS3ERR_BAD_COOKIE' });
    expect(names).toEqual(['a']);
    // The first listing and three restarts, each a page and an expired cookie.
    const cookies = server.calls.map((c) => listingArgs(c.args).cookie);
    expect(cookies).toEqual([0n, 1n, 0n, 1n, 0n, 1n, 0n, 1n]);
  });

  it('fails an empty page that is not the last with Nfs3Error instead of asking for ever', async () => {
    const server = await peer(() => dirPage('VERIFY01', {}, false));
    const { names, error } = await drain(server.nfs().readdirplus(DIR));
    expect(error).toBeInstanceOf(Nfs3Error);
    expect(error).toMatchObject({ status: 'NFS3ERR_TOOSMALL' });
    expect(names).toEqual([]);
    expect(server.calls).toHaveLength(1);
  });

  it('ends a listing whose pages never move on (the same cookie again) instead of asking for ever', async () => {
    const server = await peer(() => dirPage('VERIFY01', { a: 1n }, false));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      drain(server.nfs().readdirplus(DIR)),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still asking'), 1_000))),
    ]);
    clearTimeout(timer);
    for (const c of clients) c.close(); // ends a listing still asking
    expect(outcome).toMatchObject({ names: ['a'], error: expect.any(Error) });
    expect(server.calls.length).toBeLessThan(10);
  });
});

describe('Nfs3Client NFS3ERR_JUKEBOX', () => {
  const getattrOk = (): Buffer => done(fattr3(new XdrWriter().uint32(NFS3_OK), 42n));

  it('waits and sends the call again until the server has the file', async () => {
    const server = await peer(() =>
      server.calls.length <= 2 ? done(new XdrWriter().uint32(JUKEBOX)) : getattrOk(),
    );
    const attributes = await server.nfs(5).getattr(Buffer.from('file'));
    expect(attributes.fileid).toBe(42n);
    expect(server.calls).toHaveLength(3);
    const handles = server.calls.map((c) => new XdrReader(c.args).opaque().toString());
    expect(handles).toEqual(['file', 'file', 'file']);
  });

  it('fails with NFS3ERR_JUKEBOX after the bounded retries when the server stays busy', async () => {
    const server = await peer(() => done(new XdrWriter().uint32(JUKEBOX)));
    const error = await server
      .nfs(1)
      .getattr(Buffer.from('file'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Nfs3Error);
    expect(error).toMatchObject({ code: JUKEBOX, status: 'NFS3ERR_JUKEBOX' });
    expect(server.calls).toHaveLength(9); // the call and eight retries
  });

  it('stops waiting as soon as the call is cancelled', async () => {
    const controller = new AbortController();
    const server = await peer(() => {
      setTimeout(() => controller.abort(), 20);
      return done(new XdrWriter().uint32(JUKEBOX));
    });
    const started = Date.now();
    const error = await server
      .nfs(60_000)
      .getattr(Buffer.from('file'), controller.signal)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcConnectionError);
    expect(error).toMatchObject({ reason: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.calls).toHaveLength(1);
  });
});

describe('Nfs3Client CREATE', () => {
  /** CREATE3resok: a handle, no attributes, empty wcc_data. */
  const created = (): Buffer =>
    done(
      words(new XdrWriter().uint32(NFS3_OK).bool(true).opaque(Buffer.from('new-file')), 0, 0, 0),
    );
  const head = (name: string): XdrWriter => new XdrWriter().opaque(DIR).string(name);

  it('sends createhow3 EXCLUSIVE (2) with the 8-byte verifier and no attributes', async () => {
    const server = await peer(created);
    const verifier = Buffer.from([1, 2, 3, 4, 0xfd, 0xfe, 0xff, 0]);
    const handle = await server.nfs().create(DIR, 'x.bin', { mode: 'EXCLUSIVE', verifier });
    expect(handle).toEqual(Buffer.from('new-file'));
    expect(server.calls[0]?.procedure).toBe(8);
    const expected = Buffer.concat([
      done(head('x.bin')),
      Buffer.from([0, 0, 0, 2, 1, 2, 3, 4, 0xfd, 0xfe, 0xff, 0]),
    ]);
    expect(server.calls[0]?.args).toEqual(expected);
  });

  it('sends GUARDED (1) and UNCHECKED (0) each with a sattr3', async () => {
    const server = await peer(created);
    const nfs = server.nfs();
    await nfs.create(DIR, 'g', { mode: 'GUARDED', set: { mode: 0o640, gid: 100 } });
    await nfs.create(DIR, 'u', { mode: 'UNCHECKED' });
    // createmode, then sattr3: set_mode (1, 0640), set_uid (0), set_gid (1, 100), set_size (0),
    // and set_atime, set_mtime DONT_CHANGE (0).
    expect(server.calls[0]?.args).toEqual(done(words(head('g'), 1, 1, 0o640, 0, 1, 100, 0, 0, 0)));
    expect(server.calls[1]?.args).toEqual(done(words(head('u'), 0, 0, 0, 0, 0, 0, 0)));
  });
});

describe('Nfs3Client malformed replies', () => {
  /** READ3resok header: status, no attributes, count, eof. */
  const readHead = (count: number, eof: number): XdrWriter =>
    new XdrWriter().uint32(NFS3_OK).bool(false).uint32(count).uint32(eof);

  it('reads the data it asked for, and refuses more than it asked (opaque longer than count)', async () => {
    const server = await peer(({ args }) => {
      const xdr = new XdrReader(args);
      xdr.opaque(); // handle
      xdr.uint64(); // offset
      const count = xdr.uint32();
      const data = Buffer.from('0123456789abcdef').subarray(0, count === 4 ? 8 : count);
      return done(readHead(data.length, 1).opaque(data));
    });
    const nfs = server.nfs();
    const ok = await nfs.read(Buffer.from('file'), 2n ** 60n + 1n, 6);
    expect(ok).toEqual({ data: Buffer.from('012345'), eof: true });
    const args = new XdrReader(server.calls[0]?.args ?? Buffer.alloc(0));
    expect([args.opaque().toString(), args.uint64(), args.uint32()]).toEqual([
      'file',
      2n ** 60n + 1n,
      6,
    ]);
    // Asked for 4, answered 8: refused, not handed on.
    await expect(nfs.read(Buffer.from('file'), 0n, 4)).rejects.toThrow(/8 bytes, at most 4/);
    await expect(nfs.read(Buffer.from('file'), 0n, 4)).rejects.toBeInstanceOf(XdrError);
  });

  it('fails truncated and malformed READ replies with XdrError, and the client goes on', async () => {
    const replies = [
      done(readHead(10, 1)), // the data is missing
      done(readHead(10, 1).uint32(10).fixedOpaque(Buffer.from('0123'))), // cut short
      done(readHead(0, 7).uint32(0)), // eof is no bool
      done(new XdrWriter().uint32(NFS3_OK)), // nothing after the status
      done(readHead(3, 0).opaque(Buffer.from('end'))),
    ];
    const server = await peer(() => replies[server.calls.length - 1] ?? null);
    const nfs = server.nfs();
    for (let i = 0; i < 4; i++) {
      await expect(nfs.read(Buffer.from('file'), 0n, 10)).rejects.toBeInstanceOf(XdrError);
    }
    expect(await nfs.read(Buffer.from('file'), 0n, 10)).toEqual({
      data: Buffer.from('end'),
      eof: false,
    });
  });

  it('fails a GETATTR with a short fattr3 (XdrError) or an unknown file type (NFS3ERR_BADTYPE)', async () => {
    const whole = done(fattr3(new XdrWriter().uint32(NFS3_OK), 5n));
    const replies = [
      whole.subarray(0, 40),
      whole.subarray(0, whole.length - 2),
      done(fattr3(new XdrWriter().uint32(NFS3_OK), 5n, 9)),
      done(fattr3(new XdrWriter().uint32(NFS3_OK), 5n, 0)),
      whole,
    ];
    const server = await peer(() => replies[server.calls.length - 1] ?? null);
    const nfs = server.nfs();
    await expect(nfs.getattr(Buffer.from('f'))).rejects.toBeInstanceOf(XdrError);
    await expect(nfs.getattr(Buffer.from('f'))).rejects.toThrow(/Truncated/);
    for (const type of [9, 0]) {
      const error = await nfs.getattr(Buffer.from('f')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Nfs3Error);
      expect(error).toMatchObject({
        status: 'NFS3ERR_BADTYPE',
        message: `Unknown file type ${type}`,
      });
    }
    expect((await nfs.getattr(Buffer.from('f'))).fileid).toBe(5n);
  });

  it('fails READDIRPLUS entries cut mid-name or with a name longer than allowed', async () => {
    const head = (): XdrWriter =>
      new XdrWriter().uint32(NFS3_OK).bool(false).fixedOpaque(Buffer.from('VERIFY01'));
    const replies = [
      // An entry whose name claims 10 bytes and has 3.
      done(head().bool(true).uint64(1n).uint32(10).fixedOpaque(Buffer.from('abc'))),
      // A name of 300 bytes, all there: more than NAME_MAX (255).
      done(words(head().bool(true).uint64(1n).string('n'.repeat(300)).uint64(1n), 0, 0, 0, 1)),
      // A good entry, then one cut after its fileid.
      done(words(head().bool(true).uint64(1n).string('ok').uint64(1n), 0, 0, 1).uint64(2n)),
    ];
    const server = await peer(() => replies[server.calls.length - 1] ?? null);
    const nfs = server.nfs();
    const cut = await drain(nfs.readdirplus(DIR));
    expect(cut.error).toBeInstanceOf(XdrError);
    expect(cut.names).toEqual([]);
    const long = await drain(nfs.readdirplus(DIR));
    expect(long.error).toBeInstanceOf(XdrError);
    expect(String(long.error)).toMatch(/300 bytes, at most 255/);
    const later = await drain(nfs.readdirplus(DIR));
    expect(later.names).toEqual(['ok']);
    expect(later.error).toBeInstanceOf(XdrError);
    expect(server.calls).toHaveLength(3);
  });
});
