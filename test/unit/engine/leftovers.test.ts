import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { temporaryName } from '../../../src-main/locations/temp-names';
import { local, runExecution, tempDir } from '../../support/engine-harness';

// What interrupted runs left at a local destination, removed by the next run (issue 15, item 1),
// through the engine as the app and the web host run it: PREPARING in its worker thread (the
// built out/main/prepare-worker.js) passes on the temporaries its listings saw.

let src: string;
let dst: string;
let cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await stat(path.resolve(__dirname, '../../../out/main/prepare-worker.js')).catch(() => {
    throw new Error('out/main/prepare-worker.js is missing: run `npm run build` first');
  });
});

beforeEach(async () => {
  const a = await tempDir('lsrc');
  const b = await tempDir('ldst');
  src = a.dir;
  dst = b.dir;
  cleanup = [a.remove, b.remove];
  await mkdir(path.join(src, 'sub/deep'), { recursive: true });
  await mkdir(path.join(src, 'other'));
  await writeFile(path.join(src, 'a.txt'), 'a');
  await writeFile(path.join(src, 'sub/b.txt'), 'b');
  await writeFile(path.join(src, 'sub/deep/c.txt'), 'c');
  await writeFile(path.join(src, 'other/d.txt'), 'd');
});

afterEach(async () => {
  for (const c of cleanup) await c();
});

/** Plants a temporary of ours (1 KiB) in `folder` of the destination; resolves with its path. */
async function plant(folder: string): Promise<string> {
  const rel = folder ? `${folder}/${temporaryName()}` : temporaryName();
  await writeFile(path.join(dst, rel), Buffer.alloc(1024));
  return rel;
}

/** Every name under the destination, as relative paths, sorted. */
async function namesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map((e) => e.split(path.sep).join('/')).sort();
}

describe('temporaries of interrupted runs, removed by the next run', () => {
  it('every folder the listings saw them in, only our names, with the counters and report untouched', async () => {
    const first = await runExecution(local(src), local(dst), { runner: 'workers' });
    expect(first.execution.status).toBe('SUCCESS');
    const ours = [await plant(''), await plant('sub/deep'), await plant('other')];
    // Not ours: the prefix or the suffix alone, and a folder named like a temporary.
    await writeFile(path.join(dst, 'sub/.dataferry-notes.txt'), 'keep');
    await writeFile(path.join(dst, 'sub/deep/mine.partial'), 'keep');
    const folderLikeOne = `other/${temporaryName()}`;
    await mkdir(path.join(dst, folderLikeOne));
    await writeFile(path.join(dst, folderLikeOne, 'inside.txt'), 'keep');
    const before = await namesUnder(dst);

    const { execution, sink } = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: { LogLevel: 'BASIC' },
    });
    expect(execution.status).toBe('SUCCESS');
    expect(execution.counters).toMatchObject({
      FilesTransferred: 0,
      FilesSkipped: 4,
      FilesDeleted: 0,
      FilesFailed: 0,
      EstimatedFilesToTransfer: 0,
      EstimatedFilesToDelete: 0,
    });
    expect(await namesUnder(dst)).toEqual(before.filter((n) => !ours.includes(n)));
    expect(sink.logs).toEqual(
      expect.arrayContaining([
        'info: Removed 1 temporary file(s) of an interrupted run in /',
        'info: Removed 1 temporary file(s) of an interrupted run in /sub/deep',
        'info: Removed 1 temporary file(s) of an interrupted run in /other',
      ]),
    );
    expect(sink.received.filter((r) => r.path.includes('.dataferry-'))).toEqual([]);
  });

  it('with deleted files removed (REMOVE): temporaries are no deletion of the run', async () => {
    const first = await runExecution(local(src), local(dst), { runner: 'workers' });
    expect(first.execution.status).toBe('SUCCESS');
    const temp = await plant('sub');
    const { execution } = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: { PreserveDeletedFiles: 'REMOVE' },
    });
    expect(execution.status).toBe('SUCCESS');
    expect(execution.counters).toMatchObject({ FilesDeleted: 0, EstimatedFilesToDelete: 0 });
    expect(existsSync(path.join(dst, temp))).toBe(false);
  });

  it('TransferMode ALL (the destination is not listed): the folders it writes into are cleaned', async () => {
    const first = await runExecution(local(src), local(dst));
    expect(first.execution.status).toBe('SUCCESS');
    const temp = await plant('sub/deep');
    const { execution } = await runExecution(local(src), local(dst), {
      options: { TransferMode: 'ALL' },
    });
    expect(execution.status).toBe('SUCCESS');
    expect(execution.counters.FilesTransferred).toBe(4);
    expect(existsSync(path.join(dst, temp))).toBe(false);
  });
});
