import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { pauseServer, type Paused } from '../support/fault-pause';
import {
  completeFilesOnly,
  endsWithin,
  makeSourceTree,
  MiB,
  outcome,
  reportOf,
  startCli,
  temporariesIn,
  temporaryOf,
  treeOf,
  until,
  killAndRestartDuring,
  disturbSource,
} from '../support/fault-run';
import { killAndRerun, makeKillTree } from '../support/fault-sigkill';
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../support/fault-tmpfs';
import { randomFile } from '../support/file-hash';
import { runCli } from '../support/run-cli';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';

/*
 * Faults during an execution with NFS (nfs-ganesha) as the source and as the destination,
 * through the real `dataferry run`: ganesha killed mid-file and restarted (the run rides it
 * out), ganesha frozen with SIGSTOP (the run gives up with `timeout` within --io-timeout and
 * --retry-for), an export that fills up (a tmpfs inside the export: `no-space`), and source
 * files changed or deleted while they are copied. nfs.test.ts holds the location-level cases
 * (a restart inside one write, the server killed for good).
 */

const BIG = 24 * MiB;
let server: RunningNfsServer;
let count = 0;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  server = await startNfsServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

async function exportFolder(): Promise<{ name: string; dir: string }> {
  const name = `f${++count}`;
  const dir = path.join(server.root, name);
  await mkdir(dir);
  return { name, dir };
}

const url = (folder: string): string =>
  `nfs://127.0.0.1:${server.nfsPort}/export/${folder}?mountPort=${server.mountPort}`;

function freeze(): Paused {
  const paused = pauseServer(server.nfsPort);
  cleanup.push(() => paused.resume());
  return paused;
}

describe('ganesha killed mid-file and restarted: the run rides it out', () => {
  for (const direction of ['local -> NFS', 'NFS -> local'] as const) {
    it(`${direction}: completes with equal checksums, no temporary left`, async () => {
      const other = await local('fnfs-local');
      const data = await local('fnfs-data');
      const { name, dir } = await exportFolder();
      const up = direction === 'local -> NFS';
      const [srcDir, dstDir] = up ? [other, dir] : [dir, other];
      const srcTree = await makeSourceTree(srcDir, BIG);
      const [from, to] = up ? [other, url(name)] : [url(name), other];
      const run = startCli(['run', '--from', from, '--to', to, '--bwlimit', '8M', '--json'], data);
      const seen = await until(
        'a temporary of 4 MiB',
        () => temporaryOf(dstDir, 4 * MiB),
        run.exited,
      );
      // Down for longer than a reconnect: the client's resends must ride it out.
      const { result } = await killAndRestartDuring(run, server, data, 'ganesha');
      console.info(
        `NFS ${direction}: killed with ${seen} bytes moved, restarted: ${result.status}`,
      );
      expect(result.status, JSON.stringify(result.error)).toBe('SUCCESS');
      expect(result.counters).toMatchObject({ FilesFailed: 0, FilesVerified: 4 });
      const after = await treeOf(dstDir);
      expect(temporariesIn(after)).toEqual([]);
      expect(after).toEqual(srcTree);
    }, 120_000);
  }
});

describe('ganesha killed for good mid-file: the run gives up within --retry-for', () => {
  it('local -> NFS: ERROR unavailable naming the server and file; after a restart the next run completes', async () => {
    const src = await local('fnfs-src');
    const data = await local('fnfs-data');
    const { name, dir } = await exportFolder();
    const srcTree = await makeSourceTree(src, BIG);
    const args = ['run', '--from', src, '--to', url(name)];
    const run = startCli(
      [...args, '--bwlimit', '8M', '--io-timeout', '2', '--retry-for', '3', '--json'],
      data,
    );
    await until('a temporary of 4 MiB', () => temporaryOf(dir, 4 * MiB), run.exited);
    await server.kill();
    cleanup.push(() => server.restart());
    const result = outcome(await endsWithin(run, 40_000, 'ganesha was killed'));
    console.info(`NFS killed for good: ${result.error?.message}`);
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('unavailable');
    expect(result.error?.message).toContain(`127.0.0.1:${server.nfsPort}`);
    // A file that was being written when the server died leads: big.bin, or a small file the
    // other connection had in flight (which one is a race); the one named did not land.
    const named = /^(.+?): /.exec(result.error?.message ?? '')?.[1] ?? '';
    expect(Object.keys(srcTree)).toContain(named);
    expect(existsSync(path.join(dir, named))).toBe(false);
    completeFilesOnly(srcTree, await treeOf(dir));
    cleanup.pop();
    await server.restart();
    const again = outcome(await runCli([...args, '--json'], { dataDir: data }));
    expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
    const after = await treeOf(dir);
    expect(temporariesIn(after)).toEqual([]);
    expect(after).toEqual(srcTree);
  }, 90_000);
});

describe('ganesha frozen (SIGSTOP): the run gives up within --io-timeout and --retry-for', () => {
  for (const direction of ['local -> NFS', 'NFS -> local'] as const) {
    it(`${direction}: ERROR timeout naming the server, nothing partial; the next run completes`, async () => {
      const other = await local('fnfs-local');
      const data = await local('fnfs-data');
      const { name, dir } = await exportFolder();
      const up = direction === 'local -> NFS';
      const [srcDir, dstDir] = up ? [other, dir] : [dir, other];
      const srcTree = await makeSourceTree(srcDir, BIG);
      const [from, to] = up ? [other, url(name)] : [url(name), other];
      const limits = ['--io-timeout', '2', '--retry-for', '3'];
      const run = startCli(
        ['run', '--from', from, '--to', to, '--bwlimit', '8M', ...limits, '--json'],
        data,
      );
      await until('a temporary of 4 MiB', () => temporaryOf(dstDir, 4 * MiB), run.exited);
      // The small files land while big.bin is copied (tree order): frozen before they are in
      // place, whichever file's retries run out first names the error, big.bin or not.
      const small = ['a.txt', 'sub/b.txt', 'sub/c.bin'].map((f) => path.join(dstDir, f));
      await until(
        'the small files in place',
        () => small.every(existsSync) || undefined,
        run.exited,
      );
      const paused = freeze();
      const frozenAt = Date.now();
      const result = outcome(await endsWithin(run, 40_000, 'ganesha was frozen'));
      console.info(
        `NFS stall (${direction}): ended after ${Date.now() - frozenAt} ms: ${result.error?.message}`,
      );
      expect(result.status).toBe('ERROR');
      expect(result.error?.code).toBe('timeout');
      expect(result.error?.message).toContain(`127.0.0.1:${server.nfsPort}`);
      expect(result.error?.message).toContain('big.bin');
      expect(existsSync(path.join(dstDir, 'big.bin'))).toBe(false);
      completeFilesOnly(srcTree, await treeOf(dstDir));

      paused.resume();
      const again = outcome(
        await runCli(['run', '--from', from, '--to', to, '--json'], { dataDir: data }),
      );
      expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
      const after = await treeOf(dstDir);
      expect(temporariesIn(after)).toEqual([]);
      expect(after).toEqual(srcTree);
    }, 90_000);
  }
});

describe.skipIf(tmpfsUnavailable() !== null)('an export that fills up (tmpfs of 8 MiB)', () => {
  let disk: Tmpfs;
  beforeAll(async () => {
    await mkdir(path.join(server.root, 'full'));
    disk = await mountTmpfs(path.join(server.root, 'full'), 8 * MiB);
    // ganesha finds the file systems inside its export when it starts.
    await server.kill();
    await server.restart();
  }, 60_000);
  afterAll(async () => {
    await server.kill();
    await disk?.unmount();
    await server.restart();
  }, 60_000);

  it('local -> NFS: no-space naming the server, what fit is complete, nothing deleted', async () => {
    const src = await local('fnfs-full');
    const data = await local('fnfs-data');
    const sums = {
      '1.bin': await randomFile(path.join(src, '1.bin'), 3 * MiB),
      '2.bin': await randomFile(path.join(src, '2.bin'), 3 * MiB),
      '3.bin': await randomFile(path.join(src, '3.bin'), 4 * MiB),
    };
    await writeFile(path.join(disk.dir, 'keep.txt'), 'keep');
    const before = await treeOf(src);
    const result = outcome(
      await runCli(
        ['run', '--from', src, '--to', url('full'), '--parallel', '1', '--delete', '--json'],
        { dataDir: data },
      ),
    );
    console.info(`NFS export full: ${JSON.stringify(result.error)}`);
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('no-space');
    expect(result.error?.message).toMatch(/no space/i);
    expect(result.error?.message).toContain('3.bin');
    expect(result.error?.message).toContain('127.0.0.1');
    const got = await treeOf(disk.dir);
    expect(got['1.bin']).toBe(sums['1.bin']);
    expect(got['2.bin']).toBe(sums['2.bin']);
    expect(got['3.bin']).toBeUndefined();
    expect(got['keep.txt']).toBeDefined();
    expect(temporariesIn(got)).toEqual([]);
    expect(result.counters.FilesDeleted).toBe(0);
    expect(await treeOf(src)).toEqual(before);
  }, 60_000);
});

describe('NFS source files changed or deleted while they are copied', () => {
  it('changed: copied again as it is now; changing all along: failed; deleted: not-found', async () => {
    const dst = await local('fnfs-dst');
    const data = await local('fnfs-data');
    const { name, dir } = await exportFolder();
    // Tree order with --parallel 1: a-changes.bin grows while it is read (4 MiB at 4 MiB/s),
    // b-gone.bin is deleted before it is opened, c-churn.bin changes every 100 ms all along.
    await randomFile(path.join(dir, 'a-changes.bin'), 4 * MiB);
    await randomFile(path.join(dir, 'b-gone.bin'), 2 * MiB);
    await randomFile(path.join(dir, 'c-churn.bin'), 2 * MiB);
    await writeFile(path.join(dir, 'd-stable.txt'), 'stable');
    const run = startCli(
      ['run', '--from', url(name), '--to', dst, '--bwlimit', '4M', '--parallel', '1', '--json'],
      data,
    );
    await until('a-changes.bin copying', () => temporaryOf(dst, MiB), run.exited);
    const stopChurning = await disturbSource(dir, cleanup);
    const result = outcome(await endsWithin(run, 60_000, 'the source changed'));
    stopChurning();
    const report = await reportOf(result.id, data);
    expect(result.status).toBe('ERROR');
    expect(result.counters).toMatchObject({ FilesTransferred: 2, FilesFailed: 2 });
    expect(report.get('a-changes.bin')).toMatchObject({
      action: 'transferred',
      size: 4 * MiB + 4,
    });
    expect(report.get('b-gone.bin')).toMatchObject({ action: 'failed', errorCode: 'not-found' });
    expect(report.get('b-gone.bin')?.detail).toContain(`/export/${name}/b-gone.bin`);
    expect(report.get('c-churn.bin')).toMatchObject({
      action: 'failed',
      errorCode: 'changed-during-transfer',
    });
    const got = await treeOf(dst);
    expect(Object.keys(got).sort()).toEqual(['a-changes.bin', 'd-stable.txt']);
    expect(got['a-changes.bin']).toBe((await treeOf(dir))['a-changes.bin']);
  }, 90_000);
});

describe('the CLI killed with SIGKILL mid-run (local -> NFS)', () => {
  it('marked interrupted, no half file under a final name; the re-run moves only what is missing and cleans up', async () => {
    const src = await local('fnfs-src');
    const data = await local('fnfs-data');
    const { name, dir } = await exportFolder();
    const srcTree = await makeKillTree(src, 8 * MiB);
    await killAndRerun({
      from: src,
      to: url(name),
      data,
      halfWay: async () => temporaryOf(dir, 3 * MiB),
      finals: async () => completeFilesOnly(srcTree, await treeOf(dir)),
      total: 8,
    });
    const after = await treeOf(dir);
    expect(temporariesIn(after)).toEqual([]);
    expect(after).toEqual(srcTree);
  }, 90_000);
});
