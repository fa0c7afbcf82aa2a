import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NfsLocation } from '../../../src-main/locations/nfs/nfs-location';
import { Nfs3Client } from '../../../src-main/protocols/nfs3/nfs3';
import { Nfs3FileSystem } from '../../../src-main/protocols/nfs3/nfs3-fs';
import { RpcClient } from '../../../src-main/protocols/nfs3/rpc-client';
import { frameRecord, RecordReader } from '../../../src-main/protocols/nfs3/rpc-record';
import { XdrReader, XdrWriter } from '../../../src-main/protocols/nfs3/xdr';

/*
 * What an NFS server's READDIRPLUS answer can hold that a Linux export never would ("a/b", an
 * empty name, a NUL) and what it well may (bytes that are not UTF-8, a backslash, a newline),
 * from a scripted peer on 127.0.0.1 through the real RPC client, XDR decoding, Nfs3FileSystem and
 * NfsLocation. "." and ".." are left out by the client; the others that no path can carry are
 * refused entries (reported and skipped by the engine, never looked up), and the listing goes
 * on. (Peer copied from nfs3-procedures.test.ts, cut to READDIRPLUS.)
 */

const NFS3_OK = 0;
const READDIRPLUS = 17;
const ROOT = Buffer.from('root-handle');

let servers: net.Server[] = [];
let clients: RpcClient[] = [];
afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  servers = [];
});

/** A peer answering every READDIRPLUS with one page of `names` (raw bytes), and the calls. */
async function peer(names: Buffer[]): Promise<{ fs: Nfs3FileSystem; procedures: number[] }> {
  const procedures: number[] = [];
  const server = net.createServer((socket) => {
    const reader = new RecordReader(1 << 20);
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      for (const record of reader.push(data)) {
        const xdr = new XdrReader(record);
        const xid = xdr.uint32();
        for (let i = 0; i < 4; i++) xdr.uint32(); // CALL, RPC version, program, version
        const procedure = xdr.uint32();
        procedures.push(procedure);
        const accepted = new XdrWriter().uint32(xid).uint32(1).uint32(0).uint32(0).uint32(0);
        const reply = procedure === READDIRPLUS ? page(names) : new XdrWriter().uint32(10001);
        socket.write(frameRecord(Buffer.concat([accepted.uint32(0).bytes(), reply.bytes()])));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const rpc = new RpcClient({ host: '127.0.0.1', port, timeoutMs: 5_000 });
  clients.push(rpc);
  const fs = new Nfs3FileSystem({
    nfs: new Nfs3Client(rpc, 5),
    root: ROOT,
    rtmax: 1 << 20,
    wtmax: 1 << 20,
  });
  return { fs, procedures };
}

/** fattr3 of a regular file of 3 bytes. */
function fattr3(w: XdrWriter, fileid: bigint): XdrWriter {
  w.uint32(1).uint32(0o100644).uint32(1).uint32(1000).uint32(100);
  w.uint64(3n).uint64(4096n).uint32(0).uint32(0).uint64(7n).uint64(fileid);
  for (let i = 0; i < 3; i++) w.uint32(1_700_000_000).uint32(0);
  return w;
}

/** One READDIRPLUS3resok page with every name (attributes and a handle each), at the end. */
function page(names: Buffer[]): XdrWriter {
  const w = new XdrWriter().uint32(NFS3_OK).bool(false).fixedOpaque(Buffer.from('VERIFIER'));
  names.forEach((name, i) => {
    const cookie = BigInt(i + 1);
    w.bool(true)
      .uint64(100n + cookie)
      .opaque(name)
      .uint64(cookie);
    fattr3(w.bool(true), 100n + cookie);
    w.bool(true).opaque(Buffer.from(`fh-${i}`));
  });
  return w.bool(false).bool(true);
}

function location(fs: Nfs3FileSystem): NfsLocation {
  const loc = new NfsLocation(
    {
      server: '127.0.0.1',
      port: 2049,
      mountPort: 0,
      exportPath: '/export',
      folder: '',
      uid: 0,
      gid: 0,
      timeoutMs: 5_000,
    },
    'NFS 127.0.0.1:/export',
  );
  (loc as unknown as { session: Promise<unknown> }).session = Promise.resolve({
    fs,
    close: () => undefined,
  });
  return loc;
}

const b = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('NFS listings with hostile names', () => {
  it('leaves out "." and "..", refuses names no path can carry, and lists the rest', async () => {
    const { fs, procedures } = await peer([
      b('.'),
      b('..'),
      b('ok.txt'),
      b('a/b'),
      b(''),
      b('nul\0byte'),
      b('bad-', [0xff, 0xfe], '.txt'),
      b('back\\slash'),
      b('new\nline'),
      b('x'.repeat(255)),
    ]);
    const entries = await location(fs).list('', new AbortController().signal);
    const usable = entries.filter((e) => e.problem === undefined);
    expect(usable.map((e) => [e.path, e.type, e.size])).toEqual([
      ['ok.txt', 'file', 3],
      ['back\\slash', 'file', 3],
      ['new\nline', 'file', 3],
      ['x'.repeat(255), 'file', 3],
    ]);
    const refused = entries.filter((e) => e.problem !== undefined);
    expect(refused.map((e) => [e.path, e.type])).toEqual([
      ['"a\\u002fb"', 'other'],
      ['""', 'other'],
      ['"nul\\u0000byte"', 'other'],
      ['"bad-\uFFFD\uFFFD.txt"', 'other'],
    ]);
    expect(refused.map((e) => e.problem)).toEqual([
      'NFS name "a\\u002fb" cannot be transferred: it has a "/" in its name, which would name an entry of another folder',
      'NFS name "" cannot be transferred: it has an empty name',
      'NFS name "nul\\u0000byte" cannot be transferred: it has a NUL byte in its name',
      'NFS name "bad-\uFFFD\uFFFD.txt" cannot be transferred: it has a name that is not valid UTF-8 (shown with U+FFFD where its bytes were not UTF-8)',
    ]);
    // One READDIRPLUS and nothing else: no refused name was looked up or read.
    expect(procedures).toEqual([READDIRPLUS]);
  });

  it('reports both of two names that are not UTF-8 and decode alike (neither is lost)', async () => {
    const { fs } = await peer([b('bad-', [0xff], '.txt'), b('bad-', [0xfe], '.txt'), b('ok.txt')]);
    const entries = await location(fs).list('', new AbortController().signal);
    expect(entries.map((e) => [e.path, e.problem === undefined]).sort()).toEqual([
      ['"bad-\uFFFD.txt"', false],
      ['"bad-\uFFFD.txt"', false],
      ['ok.txt', true],
    ]);
  });
});
