import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MountClient, MountError } from '../../src-main/protocols/nfs3/mount3';
import { Nfs3Client } from '../../src-main/protocols/nfs3/nfs3';
import { openExport, readReplyPool } from '../../src-main/protocols/nfs3/nfs3-fs';
import { READS_IN_FLIGHT } from '../../src-main/protocols/nfs3/nfs3-read';
import { Nfs3Error } from '../../src-main/protocols/nfs3/nfs3-types';
import { createHash } from 'node:crypto';
import { RpcClient } from '../../src-main/protocols/nfs3/rpc-client';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';

/*
 * Our NFSv3 protocol client against the real nfs-ganesha: MOUNT and NFSv3 procedures over our
 * ONC RPC client, with AUTH_SYS. (The NFS location arrives with issue 6; this is what it will
 * stand on.)
 */

const auth = { machineName: 'dataferry-test', uid: 0, gid: 0 };

let server: RunningNfsServer;
let mountRpc: RpcClient;
let nfsRpc: RpcClient;
let mount: MountClient;
let nfs: Nfs3Client;
let root: Buffer;

beforeAll(async () => {
  server = await startNfsServer();
  await writeFile(path.join(server.root, 'hello.txt'), 'hello');
  await chmod(path.join(server.root, 'hello.txt'), 0o640);
  await mkdir(path.join(server.root, 'many'));
  for (let i = 0; i < 2500; i++) {
    await writeFile(
      path.join(server.root, 'many', `entry-${String(i).padStart(4, '0')}.txt`),
      `${i}`,
    );
  }
  mountRpc = new RpcClient({ host: '127.0.0.1', port: server.mountPort, auth });
  nfsRpc = new RpcClient({ host: '127.0.0.1', port: server.nfsPort, auth });
  mount = new MountClient(mountRpc);
  nfs = new Nfs3Client(nfsRpc);
  root = (await mount.mount(server.exportPath)).handle;
}, 60_000);

afterAll(async () => {
  mountRpc?.close();
  nfsRpc?.close();
  await server?.stop();
});

describe('NFSv3 over our RPC client, against nfs-ganesha', () => {
  it('lists the exports and mounts one; a missing export is a MountError', async () => {
    expect((await mount.exports()).map((e) => e.path)).toContain('/export');
    expect((await mount.mount('/export')).flavors).toContain(1); // AUTH_SYS
    const missing = await mount.mount('/no-such-export').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MountError);
    expect((missing as MountError).status).toMatch(/^MNT3ERR_/);
  });

  it('reads attributes, looks names up and reads a file', async () => {
    expect((await nfs.getattr(root)).type).toBe('dir');
    const hello = await nfs.lookup(root, 'hello.txt');
    expect(hello.attributes).toMatchObject({ type: 'file', mode: 0o640, size: 5n, uid: 0 });
    expect(await nfs.read(hello.handle, 0n, 1024)).toEqual({
      data: Buffer.from('hello'),
      eof: true,
    });
    expect((await nfs.read(hello.handle, 2n, 2)).data.toString()).toBe('ll');
    const info = await nfs.fsinfo(root);
    expect(info.rtmax).toBeGreaterThan(0);
    expect(info.wtmax).toBeGreaterThan(0);
  });

  it('lists a folder of 2,500 entries completely, over many READDIRPLUS pages', async () => {
    const many = await nfs.lookup(root, 'many');
    const names: string[] = [];
    for await (const entry of nfs.readdirplus(many.handle, undefined, 8192)) {
      names.push(entry.name);
      expect(entry.attributes?.type).toBe('file');
      expect(entry.handle?.length).toBeGreaterThan(0);
    }
    expect(names.length).toBe(2500);
    expect(new Set(names).size).toBe(2500);
    expect(names).toContain('entry-2499.txt');
  });

  it('names NFS errors: a missing name is NFS3ERR_NOENT, a bogus handle is refused', async () => {
    const missing = await nfs.lookup(root, 'nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Nfs3Error);
    expect(missing).toMatchObject({ status: 'NFS3ERR_NOENT' });
    const bogus = await nfs.getattr(Buffer.alloc(32, 0xab)).catch((e: unknown) => e);
    expect(bogus).toBeInstanceOf(Nfs3Error);
    expect((bogus as Nfs3Error).status).toMatch(/STALE|BADHANDLE/);
  });

  it('creates, writes (UNSTABLE, then COMMIT), sets attributes, renames and removes, as the disk shows', async () => {
    const dir = await nfs.mkdir(root, 'made', { mode: 0o750 });
    const file = await nfs.create(dir, 'data.bin', { mode: 'GUARDED', set: { mode: 0o600 } });
    const exists = await nfs.create(dir, 'data.bin', { mode: 'GUARDED' }).catch((e: unknown) => e);
    expect(exists).toMatchObject({ status: 'NFS3ERR_EXIST' });
    const parts = [Buffer.alloc(100_000, 1), Buffer.alloc(100_000, 2), Buffer.from('end')];
    let offset = 0n;
    const verifiers = new Set<string>();
    for (const part of parts) {
      const written = await nfs.write(file, offset, part, 'UNSTABLE');
      expect(written.count).toBe(part.length);
      verifiers.add(written.verifier.toString('hex'));
      offset += BigInt(part.length);
    }
    verifiers.add((await nfs.commit(file)).toString('hex'));
    expect(verifiers.size).toBe(1); // the server did not restart in between
    await nfs.setattr(file, { mtimeMs: 1_600_000_000_123, mode: 0o644 });
    await nfs.rename(dir, 'data.bin', dir, 'renamed.bin');

    const onDisk = path.join(server.root, 'made', 'renamed.bin');
    expect((await readFile(onDisk)).equals(Buffer.concat(parts))).toBe(true);
    const info = await stat(onDisk);
    expect(info.mode & 0o7777).toBe(0o644);
    expect(Math.round(info.mtimeMs)).toBe(1_600_000_000_123);
    expect((await stat(path.join(server.root, 'made'))).mode & 0o7777).toBe(0o750);

    const notEmpty = await nfs.rmdir(root, 'made').catch((e: unknown) => e);
    expect(notEmpty).toMatchObject({ status: 'NFS3ERR_NOTEMPTY' });
    await nfs.remove(dir, 'renamed.bin');
    await nfs.rmdir(root, 'made');
    expect(await readdir(server.root)).not.toContain('made');
  });

  it('looks paths up through cached handles and streams a file with several READs in flight', async () => {
    const data = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
    await mkdir(path.join(server.root, 'deep', 'er'), { recursive: true });
    await writeFile(path.join(server.root, 'deep', 'er', 'big.bin'), data);
    const fs = await openExport(mount, nfs, server.exportPath);
    expect((await fs.stat('deep/er/big.bin')).size).toBe(BigInt(data.length));
    const sha = async (stream: AsyncIterable<Buffer>): Promise<string> => {
      const hash = createHash('sha256');
      for await (const chunk of stream) hash.update(chunk);
      return hash.digest('hex');
    };
    const whole = await sha((await fs.read('deep/er/big.bin')) as AsyncIterable<Buffer>);
    expect(whole).toBe(createHash('sha256').update(data).digest('hex'));
    const range = await sha(
      (await fs.read('deep/er/big.bin', 1_000_000, 3_999_999)) as AsyncIterable<Buffer>,
    );
    expect(range).toBe(
      createHash('sha256').update(data.subarray(1_000_000, 4_000_000)).digest('hex'),
    );
    const missing = await fs.stat('deep/nope/x').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 'NFS3ERR_NOENT' });
    await expect(fs.read('deep')).rejects.toMatchObject({ status: 'NFS3ERR_ISDIR' });
  });

  it('reads a file into reply buffers used again once each chunk is given back', async () => {
    const data = Buffer.alloc(16 * 1024 * 1024 + 5);
    for (let i = 0; i + 4 <= data.length; i += 4096) data.writeUInt32LE((i * 7) >>> 0, i);
    await writeFile(path.join(server.root, 'pooled.bin'), data);
    const pooledRpc = new RpcClient({
      host: '127.0.0.1',
      port: server.nfsPort,
      auth,
      replyPool: readReplyPool(),
    });
    try {
      const fs = await openExport(mount, new Nfs3Client(pooledRpc), server.exportPath);
      const readAll = async (release: boolean) => {
        const stream = await fs.read('pooled.bin');
        const hash = createHash('sha256');
        const memory = new Set<ArrayBufferLike>();
        let chunks = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          memory.add(chunk.buffer);
          chunks++;
          if (release) stream.releaseChunk(chunk);
        }
        return { sha: hash.digest('hex'), buffers: memory.size, chunks };
      };
      const expected = createHash('sha256').update(data).digest('hex');
      const kept = await readAll(false);
      expect(kept.sha).toBe(expected);
      expect(kept.buffers).toBe(kept.chunks); // a buffer per READ
      const released = await readAll(true);
      expect(released.sha).toBe(expected);
      expect(released.chunks).toBeGreaterThanOrEqual(64);
      // The READs in flight and the stream's own, then the same ones again.
      expect(released.buffers).toBeLessThanOrEqual(READS_IN_FLIGHT + 4);
    } finally {
      pooledRpc.close();
    }
  });

  it('streams a file into the export with WRITEs in flight and COMMIT, then sets its attributes', async () => {
    const data = Buffer.alloc(5 * 1024 * 1024 + 3);
    for (let i = 0; i + 4 <= data.length; i += 4096) data.writeUInt32LE((i ^ 0x5a5a5a5a) >>> 0, i);
    await nfs.mkdir(root, 'written', { mode: 0o755 });
    const fs = await openExport(mount, nfs, server.exportPath);
    const pieces = async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < data.length; i += 65_536) yield data.subarray(i, i + 65_536);
    };
    const written = await fs.write('written/out.bin', pieces(), 'GUARDED', 0o640);
    await fs.setattr('written/out.bin', { mtimeMs: 1_650_000_000_000 });
    expect(written).toBe(data.length);
    const onDisk = path.join(server.root, 'written', 'out.bin');
    expect((await readFile(onDisk)).equals(data)).toBe(true);
    expect(((await stat(onDisk)).mode & 0o7777).toString(8)).toBe('640');
    expect((await stat(onDisk)).mtimeMs).toBe(1_650_000_000_000);
    const again = await fs.write('written/out.bin', pieces(), 'GUARDED').catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 'NFS3ERR_EXIST' });
  });

  it('keeps 50 calls in flight on one connection', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => nfs.getattr(root)));
    expect(answers.every((a) => a.type === 'dir')).toBe(true);
  });
});
