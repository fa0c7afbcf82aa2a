import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { sha256File } from '../support/file-hash';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';
import { runCli } from '../support/run-cli';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';
import { localSide, nfsSide, runEngine, s3Side, smbSide } from './hostile-names-harness';

/*
 * Issue 15, item 7: a file with holes (a sparse file) keeps its holes where the destination can
 * hold them (a local disk, NFS through ganesha, SMB through Samba), with its bytes exact (the
 * SHA-256 of the copy equals the source's), and where it cannot (S3) the run says so once.
 * What a copy occupies is read on the server's own disk (stat blocks of the backing folder).
 */

const MiB = 1024 * 1024;
/** 256 MiB holding 1 MiB of data in two places (one of them not block-aligned), ending in a hole. */
const SIZE = 256 * MiB;
const DATA_AT = [16 * MiB, 200 * MiB + 12_345];
const DATA_BYTES = 512 * 1024;

let nfs: RunningNfsServer;
let smb: RunningSmbServer;
let s3: RunningS3Server;
let work: { dir: string; remove(): Promise<void> };
let src: string;
let count = 0;

beforeAll(async () => {
  [nfs, smb, s3] = await Promise.all([startNfsServer(), startSmbServer(), startS3Server('fauxqs')]);
  await s3.createBucket('sparse');
}, 60_000);
afterAll(async () => {
  await Promise.all([nfs?.stop(), smb?.stop(), s3?.stop()]);
});
beforeEach(async () => {
  work = await tempDir('sparse');
  src = path.join(work.dir, 'src');
  await mkdir(src);
});
afterEach(async () => {
  await work.remove();
});

/** Writes the sparse file (`size` bytes, data at DATA_AT within it); resolves with its SHA-256. */
async function writeSparseFile(file: string, size = SIZE): Promise<string> {
  const handle = await open(file, 'w');
  await handle.truncate(size);
  for (const at of DATA_AT) {
    await handle.write(randomBytes(DATA_BYTES), 0, DATA_BYTES, at % (size - DATA_BYTES));
  }
  await handle.close();
  const allocated = statSync(file).blocks * 512;
  expect(allocated, 'the source has holes').toBeLessThan(2 * MiB);
  return sha256File(file);
}

/** Bytes a file occupies on this machine's disk. */
function allocated(file: string): number {
  return statSync(file).blocks * 512;
}

function fresh(): string {
  return `sparse-${++count}-${Date.now().toString(36)}`;
}

describe('sparse files (issue 15, item 7)', () => {
  it('local -> local with the dataferry command (worker threads, blocking I/O): same bytes, holes kept, re-run unchanged', async () => {
    const hash = await writeSparseFile(path.join(src, 'disk.img'));
    const dst = path.join(work.dir, 'dst');
    const data = path.join(work.dir, 'data');
    const first = await runCli(['run', '--from', src, '--to', dst, '--json'], { dataDir: data });
    expect(first.code, first.stderr).toBe(0);
    const execution = JSON.parse(first.stdout) as { counters: Record<string, number> };
    expect(execution.counters).toMatchObject({
      FilesTransferred: 1,
      FilesVerified: 1,
      FilesFailed: 0,
      BytesWritten: SIZE,
    });
    const copy = path.join(dst, 'disk.img');
    expect(statSync(copy).size).toBe(SIZE);
    expect(await sha256File(copy)).toBe(hash);
    // 1 MiB of data in 4 KiB blocks: a few blocks more at most, never the 256 MiB.
    expect(allocated(copy)).toBeLessThan(2 * MiB);

    const again = await runCli(['run', '--from', src, '--to', dst, '--json'], { dataDir: data });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).counters).toMatchObject({ FilesTransferred: 0 });
  }, 120_000);

  it('local -> local on the main thread (async I/O): same bytes, holes kept', async () => {
    const hash = await writeSparseFile(path.join(src, 'disk.img'));
    const dst = path.join(work.dir, 'dst');
    mkdirSync(dst);
    const { execution, files } = await runEngine(localSide(src), localSide(dst));
    expect(execution.status).toBe('SUCCESS');
    expect(files.filter((f) => f.action === 'transferred').map((f) => f.path)).toEqual([
      'disk.img',
    ]);
    const copy = path.join(dst, 'disk.img');
    expect(statSync(copy).size).toBe(SIZE);
    expect(await sha256File(copy)).toBe(hash);
    expect(allocated(copy)).toBeLessThan(2 * MiB);
  }, 120_000);

  it('local -> NFS (ganesha): same bytes, WRITEs of zeros not sent, holes on the server disk; NFS -> local keeps them too', async () => {
    const hash = await writeSparseFile(path.join(src, 'disk.img'));
    const folder = fresh();
    const up = await runEngine(localSide(src), nfsSide(nfs, folder));
    expect(up.execution.status, JSON.stringify(up.execution.error)).toBe('SUCCESS');
    expect(up.execution.counters).toMatchObject({ FilesTransferred: 1, FilesVerified: 1 });
    const onServer = path.join(nfs.root, folder, 'disk.img');
    expect(statSync(onServer).size).toBe(SIZE);
    expect(await sha256File(onServer)).toBe(hash);
    // WRITEs of 1 MiB: the two that hold data.
    expect(allocated(onServer)).toBeLessThan(4 * MiB);

    // Back: the server's fattr3 `used` tells the file has holes.
    const back = path.join(work.dir, 'back');
    mkdirSync(back);
    const down = await runEngine(nfsSide(nfs, folder), localSide(back));
    expect(down.execution.status, JSON.stringify(down.execution.error)).toBe('SUCCESS');
    expect(await sha256File(path.join(back, 'disk.img'))).toBe(hash);
    expect(allocated(path.join(back, 'disk.img'))).toBeLessThan(4 * MiB);
  }, 180_000);

  it('local -> SMB (Samba): same bytes, holes on the server disk; SMB -> local keeps them too', async () => {
    const hash = await writeSparseFile(path.join(src, 'disk.img'));
    const folder = fresh();
    mkdirSync(path.join(smb.root, folder));
    smb.giveToUser(path.join(smb.root, folder));
    const up = await runEngine(localSide(src), smbSide(smb, folder));
    expect(up.execution.status, JSON.stringify(up.execution.error)).toBe('SUCCESS');
    expect(up.execution.counters).toMatchObject({ FilesTransferred: 1, FilesVerified: 1 });
    const onServer = path.join(smb.root, folder, 'disk.img');
    expect(statSync(onServer).size).toBe(SIZE);
    expect(await sha256File(onServer)).toBe(hash);
    // WRITEs of the stream's 256 KiB pieces that hold data.
    expect(allocated(onServer)).toBeLessThan(4 * MiB);
    // Back: the listing's AllocationSize tells the file has holes.
    const back = path.join(work.dir, 'back');
    mkdirSync(back);
    const down = await runEngine(smbSide(smb, folder), localSide(back));
    expect(down.execution.status, JSON.stringify(down.execution.error)).toBe('SUCCESS');
    expect(await sha256File(path.join(back, 'disk.img'))).toBe(hash);
    expect(allocated(path.join(back, 'disk.img'))).toBeLessThan(4 * MiB);
  }, 180_000);

  it('local -> S3 (fauxqs): an object has no holes, so every byte is stored and the run says so once, not per file', async () => {
    // Smaller files: fauxqs stores every byte.
    await writeSparseFile(path.join(src, 'a.img'), 32 * MiB);
    await writeSparseFile(path.join(src, 'b.img'), 32 * MiB);
    const prefix = fresh();
    const { execution, logs } = await runEngine(localSide(src), s3Side(s3, 'sparse', prefix));
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCESS');
    // Verified: the objects' bytes are the files' (holes read as zeros).
    expect(execution.counters).toMatchObject({
      FilesTransferred: 2,
      FilesVerified: 2,
      BytesWritten: 64 * MiB,
    });
    const said = logs.filter((line) => line.includes('holes'));
    expect(said).toEqual([
      expect.stringMatching(
        /^warn: 2 file\(s\) with holes \(sparse: \d+ bytes allocated of 67108864\) are stored whole: S3 .*cannot keep holes/,
      ),
    ]);
    expect(await s3.listKeys('sparse', prefix)).toEqual([
      `${prefix}/`,
      `${prefix}/a.img`,
      `${prefix}/b.img`,
    ]);
  }, 180_000);
});
