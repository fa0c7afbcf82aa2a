import { randomBytes } from 'node:crypto';
import { link, mkdir, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FileResult } from '../../src-shared/model/execution';
import { tempDir } from '../support/engine-harness';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';
import { runCli } from '../support/run-cli';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';
import { localSide, nfsSide, runEngine, s3Side, smbSide } from './hostile-names-harness';

/*
 * Issue 15, item 8: a file with several names (hard links) stays one file with as many names
 * where the destination can hold links (a local disk; NFS through ganesha's LINK), with
 * PreserveHardLinks=PRESERVE (the default); with NONE, and where the destination cannot (S3),
 * each name is copied as a file and its report line says it was a hard link.
 */

let nfs: RunningNfsServer;
let s3: RunningS3Server;
let smb: RunningSmbServer;
let work: { dir: string; remove(): Promise<void> };
let src: string;
let count = 0;

beforeAll(async () => {
  [nfs, s3, smb] = await Promise.all([startNfsServer(), startS3Server('fauxqs'), startSmbServer()]);
  await s3.createBucket('links');
}, 60_000);
afterAll(async () => {
  await Promise.all([nfs?.stop(), s3?.stop(), smb?.stop()]);
});
beforeEach(async () => {
  work = await tempDir('hard-links');
  src = path.join(work.dir, 'src');
});
afterEach(async () => {
  await work.remove();
});

/**
 * Two groups under `root`: a 3 MiB file with three names (streamed) in different folders, and a
 * small one with two (read whole); plus a file with one name.
 */
async function arrange(root: string): Promise<void> {
  await mkdir(path.join(root, 'a'), { recursive: true });
  await mkdir(path.join(root, 'b'));
  await writeFile(path.join(root, 'a/big'), randomBytes(3 * 1024 * 1024));
  await link(path.join(root, 'a/big'), path.join(root, 'b/big-too'));
  await link(path.join(root, 'a/big'), path.join(root, 'z-big'));
  await writeFile(path.join(root, 'small'), 'small file');
  await link(path.join(root, 'small'), path.join(root, 'b/small-too'));
  await writeFile(path.join(root, 'alone'), 'one name');
}

/** inode and link count of each name of the two groups, and of the lone file. */
function shape(root: string): Record<string, string> {
  const names = ['a/big', 'b/big-too', 'z-big', 'small', 'b/small-too', 'alone'];
  const inodes = new Map<number, string>();
  return Object.fromEntries(
    names.map((name) => {
      const info = statSync(path.join(root, name));
      // Inodes shown as the first name that has them: the shape, not the numbers.
      if (!inodes.has(info.ino)) inodes.set(info.ino, name);
      return [name, `${inodes.get(info.ino)} x${info.nlink} ${info.size}`];
    }),
  );
}

const LINKED = {
  'a/big': 'a/big x3 3145728',
  'b/big-too': 'a/big x3 3145728',
  'z-big': 'a/big x3 3145728',
  small: 'small x2 10',
  'b/small-too': 'small x2 10',
  alone: 'alone x1 8',
};

/** The report's transferred lines, path -> "transferred [detail]" (folders left out). */
function rows(files: FileResult[]): Record<string, string> {
  return Object.fromEntries(
    files
      .filter((f) => f.action === 'transferred' && f.path !== 'a' && f.path !== 'b')
      .map((f) => [f.path, `${f.action} ${f.detail ?? ''}`.trim()]),
  );
}

describe('hard links (issue 15, item 8)', () => {
  it('local -> local with the dataferry command: each group stays one file with as many names; a re-run changes nothing', async () => {
    await arrange(src);
    const dst = path.join(work.dir, 'dst');
    const data = path.join(work.dir, 'data');
    const first = await runCli(['run', '--from', src, '--to', dst, '--json'], { dataDir: data });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).counters).toMatchObject({
      FilesTransferred: 6,
      FilesFailed: 0,
      // The bytes of each file once: links move none.
      BytesWritten: 3 * 1024 * 1024 + 10 + 8,
    });
    expect(shape(dst)).toEqual(LINKED);

    const again = await runCli(['run', '--from', src, '--to', dst, '--json'], { dataDir: data });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).counters).toMatchObject({ FilesTransferred: 0 });
    expect(shape(dst)).toEqual(LINKED);
  }, 60_000);

  it('local -> local: the report names each link; copies made by an earlier run with NONE become links', async () => {
    await arrange(src);
    const dst = path.join(work.dir, 'dst');
    await mkdir(dst);
    const copied = await runEngine(localSide(src), localSide(dst), {
      PreserveHardLinks: 'NONE',
    });
    expect(copied.execution.status).toBe('SUCCESS');
    expect(rows(copied.files)).toEqual({
      'a/big': 'transferred',
      'b/big-too':
        'transferred hard link to /a/big at the source: copied as a file (PreserveHardLinks=NONE)',
      // Tree order: a folder's contents come before the files after it.
      'b/small-too': 'transferred',
      small:
        'transferred hard link to /b/small-too at the source: copied as a file (PreserveHardLinks=NONE)',
      alone: 'transferred',
      'z-big':
        'transferred hard link to /a/big at the source: copied as a file (PreserveHardLinks=NONE)',
    });
    expect(Object.values(shape(dst)).every((s) => / x1 /.test(s))).toBe(true);

    const linked = await runEngine(localSide(src), localSide(dst));
    expect(linked.execution.status).toBe('SUCCESS');
    expect(rows(linked.files)).toEqual({
      'b/big-too': 'transferred hard link to /a/big',
      small: 'transferred hard link to /b/small-too',
      'z-big': 'transferred hard link to /a/big',
    });
    expect(linked.execution.counters).toMatchObject({ FilesTransferred: 3, BytesWritten: 0 });
    expect(shape(dst)).toEqual(LINKED);
  }, 60_000);

  it('local -> NFS (ganesha, LINK): each group stays one file with as many names on the server; NFS -> local too', async () => {
    await arrange(src);
    const folder = `links-${++count}-${Date.now().toString(36)}`;
    const up = await runEngine(localSide(src), nfsSide(nfs, folder));
    expect(up.execution.status, JSON.stringify(up.execution.error)).toBe('SUCCESS');
    expect(up.execution.counters).toMatchObject({ FilesTransferred: 6, FilesFailed: 0 });
    expect(shape(path.join(nfs.root, folder))).toEqual(LINKED);

    // Back: fattr3 fsid, fileid and nlink tell the names of one file.
    const back = path.join(work.dir, 'back');
    await mkdir(back);
    const down = await runEngine(nfsSide(nfs, folder), localSide(back));
    expect(down.execution.status, JSON.stringify(down.execution.error)).toBe('SUCCESS');
    expect(shape(back)).toEqual(LINKED);
  }, 60_000);

  it('local -> SMB (Samba, FileLinkInformation): each group stays one file with as many names on the share', async () => {
    await arrange(src);
    const folder = `links-${++count}-${Date.now().toString(36)}`;
    await mkdir(path.join(smb.root, folder));
    smb.giveToUser(path.join(smb.root, folder));
    const up = await runEngine(localSide(src), smbSide(smb, folder));
    expect(up.execution.status, JSON.stringify(up.execution.error)).toBe('SUCCESS');
    expect(up.execution.counters).toMatchObject({ FilesTransferred: 6, FilesFailed: 0 });
    expect(rows(up.files)).toMatchObject({
      'b/big-too': 'transferred hard link to /a/big',
      'z-big': 'transferred hard link to /a/big',
      small: 'transferred hard link to /b/small-too',
    });
    expect(shape(path.join(smb.root, folder))).toEqual(LINKED);

    // Its listings give no link count: unchanged names are left as they are.
    const again = await runEngine(localSide(src), smbSide(smb, folder));
    expect(again.execution.counters).toMatchObject({ FilesTransferred: 0, FilesFailed: 0 });
    expect(shape(path.join(smb.root, folder))).toEqual(LINKED);
  }, 60_000);

  it('local -> S3 (fauxqs): objects have no links, so each name is an object and its report line says it was a hard link', async () => {
    await arrange(src);
    const prefix = `links-${++count}`;
    const { execution, files } = await runEngine(localSide(src), s3Side(s3, 'links', prefix));
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCESS');
    expect(execution.counters).toMatchObject({ FilesTransferred: 6, FilesVerified: 6 });
    const why = 'copied as a file (the destination cannot hold hard links)';
    expect(rows(files)).toMatchObject({
      'b/big-too': `transferred hard link to /a/big at the source: ${why}`,
      'z-big': `transferred hard link to /a/big at the source: ${why}`,
      small: `transferred hard link to /b/small-too at the source: ${why}`,
    });
    expect(await s3.listKeys('links', prefix)).toEqual(
      expect.arrayContaining(
        ['a/big', 'b/big-too', 'z-big', 'small', 'b/small-too', 'alone'].map(
          (k) => `${prefix}/${k}`,
        ),
      ),
    );
  }, 60_000);
});
