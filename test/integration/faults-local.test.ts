import { existsSync, mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import {
  completeFilesOnly,
  endsWithin,
  MiB,
  outcome,
  reportOf,
  startCli,
  temporariesIn,
  temporaryOf,
  treeOf,
  until,
  disturbSource,
} from '../support/fault-run';
import { KILL_BIG, killAndRerun, makeKillTree } from '../support/fault-sigkill';
import { mountTmpfs, tmpfsUnavailable } from '../support/fault-tmpfs';
import { randomFile } from '../support/file-hash';
import { runCli } from '../support/run-cli';

/*
 * Faults during an execution between local folders, through the real `dataferry run`: a
 * destination that fills up (a real tmpfs of 8 MiB), source files changed or deleted while they
 * are copied, and the CLI killed with SIGKILL in the middle of a run. (A local folder has no
 * server to kill or freeze: those faults are in faults-smb, faults-nfs and faults-s3.)
 */

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

describe.skipIf(tmpfsUnavailable() !== null)('a local destination that fills up (tmpfs)', () => {
  it('no-space naming the file, what fit is complete, nothing else lost or deleted', async () => {
    const src = await local('floc-src');
    const data = await local('floc-data');
    const mountPoint = path.join(await local('floc-dst'), 'disk');
    mkdirSync(mountPoint);
    const disk = await mountTmpfs(mountPoint, 8 * MiB);
    cleanup.push(() => disk.unmount());
    // Tree order with --parallel 1: 1.bin and 2.bin fit (6 MiB), 3.bin (4 MiB) does not;
    // 4.txt comes after the error.
    const sums = {
      '1.bin': await randomFile(path.join(src, '1.bin'), 3 * MiB),
      '2.bin': await randomFile(path.join(src, '2.bin'), 3 * MiB),
      '3.bin': await randomFile(path.join(src, '3.bin'), 4 * MiB),
    };
    await writeFile(path.join(src, '4.txt'), 'four');
    // Only at the destination: --delete must leave it after an error.
    await writeFile(path.join(disk.dir, 'keep.txt'), 'keep');
    const before = await treeOf(src);
    const result = outcome(
      await runCli(
        ['run', '--from', src, '--to', disk.dir, '--parallel', '1', '--delete', '--json'],
        {
          dataDir: data,
        },
      ),
    );
    console.info(`local disk full: ${JSON.stringify(result.error)}`);
    expect(result.status).toBe('ERROR');
    expect(result.error).toMatchObject({
      code: 'no-space',
      message: expect.stringContaining('No space left on the device'),
    });
    expect(result.error?.message).toContain('3.bin');
    expect(result.phases?.TRANSFERRING?.status).toBe('ERROR');
    const got = await treeOf(disk.dir);
    // 4.txt fits too, and may have been handed to a worker before 3.bin failed: whole if there.
    const { '4.txt': four, ...rest } = got;
    expect(rest).toEqual({
      '1.bin': sums['1.bin'],
      '2.bin': sums['2.bin'],
      'keep.txt': expect.any(String),
    });
    if (four !== undefined) expect(four).toBe(before['4.txt']);
    expect(result.counters).toMatchObject({
      FilesTransferred: four === undefined ? 2 : 3,
      FilesDeleted: 0,
    });
    expect(await treeOf(src)).toEqual(before);

    // Room made: the next run moves only what is missing.
    await rm(path.join(disk.dir, 'keep.txt'));
    await rm(path.join(disk.dir, '1.bin'));
    const again = outcome(
      await runCli(['run', '--from', src, '--to', disk.dir, '--exclude', '/1.bin', '--json'], {
        dataDir: data,
      }),
    );
    expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
    expect(again.counters).toMatchObject({
      FilesTransferred: four === undefined ? 2 : 1,
      FilesSkipped: four === undefined ? 1 : 2,
    });
    expect(await treeOf(disk.dir)).toEqual({
      '2.bin': sums['2.bin'],
      '3.bin': sums['3.bin'],
      '4.txt': before['4.txt'],
    });
  }, 60_000);
});

describe('local source files changed or deleted while they are copied', () => {
  it('changed: copied again as it is now; changing all along: failed; deleted: not-found', async () => {
    const src = await local('floc-src');
    const dst = await local('floc-dst');
    const data = await local('floc-data');
    // Tree order with --parallel 1: a-changes.bin grows while it is read (4 MiB at 4 MiB/s),
    // b-gone.bin is deleted before it is opened, c-churn.bin changes every 100 ms all along.
    await randomFile(path.join(src, 'a-changes.bin'), 4 * MiB);
    await randomFile(path.join(src, 'b-gone.bin'), 2 * MiB);
    await randomFile(path.join(src, 'c-churn.bin'), 2 * MiB);
    await writeFile(path.join(src, 'd-stable.txt'), 'stable');
    const run = startCli(
      ['run', '--from', src, '--to', dst, '--bwlimit', '4M', '--parallel', '1', '--json'],
      data,
    );
    await until('a-changes.bin copying', () => temporaryOf(dst, MiB), run.exited);
    const stopChurning = await disturbSource(src, cleanup);
    const result = outcome(await endsWithin(run, 60_000, 'the source changed'));
    stopChurning();
    const report = await reportOf(result.id, data);
    expect(result.status).toBe('ERROR');
    expect(result.counters).toMatchObject({ FilesTransferred: 2, FilesFailed: 2 });
    expect(report.get('a-changes.bin')).toMatchObject({
      action: 'transferred',
      size: 4 * MiB + 4,
    });
    expect(report.get('b-gone.bin')).toMatchObject({
      action: 'failed',
      errorCode: 'not-found',
      detail: expect.stringContaining(path.join(src, 'b-gone.bin')),
    });
    expect(report.get('c-churn.bin')).toMatchObject({
      action: 'failed',
      errorCode: 'changed-during-transfer',
      detail: expect.stringContaining('c-churn.bin'),
    });
    const got = await treeOf(dst);
    expect(Object.keys(got).sort()).toEqual(['a-changes.bin', 'd-stable.txt']);
    expect(got['a-changes.bin']).toBe((await treeOf(src))['a-changes.bin']);
  }, 90_000);
});

describe('the CLI killed with SIGKILL mid-run (local -> local)', () => {
  it('marked interrupted at the next start, no half file under a final name; the re-run moves only what is missing', async () => {
    const src = await local('floc-src');
    const dst = await local('floc-dst');
    const data = await local('floc-data');
    const srcTree = await makeKillTree(src, 8 * MiB);
    const finals = async (): Promise<string[]> => {
      const tree = await treeOf(dst);
      const names = completeFilesOnly(srcTree, tree);
      console.info(
        `SIGKILL local: ${names.length} complete, ${temporariesIn(tree).length} temporary`,
      );
      return names;
    };
    await killAndRerun({
      from: src,
      to: dst,
      data,
      halfWay: async () => temporaryOf(dst, 3 * MiB),
      finals,
      total: 8,
    });
    const after = await treeOf(dst);
    // The killed run's temporary was removed by the re-run.
    expect(temporariesIn(after)).toEqual([]);
    expect(after).toEqual(srcTree);
    expect(existsSync(path.join(dst, KILL_BIG))).toBe(true);
  }, 90_000);
});
