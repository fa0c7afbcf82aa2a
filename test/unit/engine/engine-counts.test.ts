import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { local, runExecution, tempDir } from '../../support/engine-harness';

// Issue 15, items 2, 3 and 4: what a run counts, reports and says, on real local folders. Every
// run here also goes through the harness's agreement check (test/support/run-agreement.ts).

let src: string;
let dst: string;
let cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  const a = await tempDir('csrc');
  const b = await tempDir('cdst');
  src = a.dir;
  dst = b.dir;
  cleanup = [a.remove, b.remove];
});

afterEach(async () => {
  await chmod(path.join(src, 'locked'), 0o755).catch(() => undefined);
  await chmod(path.join(src, 'secret.txt'), 0o644).catch(() => undefined);
  for (const c of cleanup) await c();
});

describe('counters, report and status', () => {
  it('item 2: a FIFO is not copied, not skipped: its own count and line, and the run ends ERROR naming it', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const { execution, sink } = await runExecution(local(src), local(dst));
    const c = execution.counters;
    expect([c.FilesTransferred, c.FilesSkipped, c.FilesNotCopied, c.FilesFailed]).toEqual([
      1, 0, 1, 0,
    ]);
    expect(sink.received.find((r) => r.path === 'pipe')).toMatchObject({
      action: 'not-copied',
      errorCode: 'not-supported',
      detail: expect.stringContaining('special file'),
    });
    expect(execution.status).toBe('ERROR');
    expect(execution.error?.message).toMatch(/^1 entry was not copied: \/pipe \(special file/);
  });

  it('item 3: an unreadable source folder gets a line naming it and why, a count, and the summary names it', async () => {
    await mkdir(path.join(src, 'locked'));
    await writeFile(path.join(src, 'locked/inside.txt'), 'x');
    await writeFile(path.join(src, 'a.txt'), 'a');
    await chmod(path.join(src, 'locked'), 0o000);
    const { execution, sink } = await runExecution(local(src), local(dst));
    expect(execution.status).toBe('ERROR');
    expect(execution.counters.FoldersFailed).toBe(1);
    expect(sink.received.find((r) => r.action === 'folder-failed')).toMatchObject({
      path: 'locked',
      errorCode: 'permission-denied',
      detail: expect.stringMatching(/^source folder could not be read: /),
    });
    expect(execution.error?.message).toContain(
      '1 folder(s) could not be read: /locked (permission denied)',
    );
  });

  it('item 4: a file that failed its transfer is not failed again by POINT_IN_TIME verification', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    await writeFile(path.join(src, 'secret.txt'), 'no');
    await chmod(path.join(src, 'secret.txt'), 0o000);
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' },
    });
    expect(execution.status).toBe('ERROR');
    expect(execution.counters.FilesFailed).toBe(1);
    expect(sink.resultsFor('failed')).toEqual(['secret.txt']);
  });

  it('item 4: folders have their own lines and counts; files counters count files only', async () => {
    await mkdir(path.join(src, 'd1/d2'), { recursive: true });
    await writeFile(path.join(src, 'd1/d2/f.txt'), 'f');
    await writeFile(path.join(src, 'top.txt'), 't');
    const first = await runExecution(local(src), local(dst));
    expect(first.execution.counters.FoldersCreated).toBe(2);
    expect(first.sink.resultsFor('folder-created')).toEqual(['d1', 'd1/d2']);
    expect(first.execution.counters.FilesTransferred).toBe(2);
    expect(first.sink.resultsFor('transferred')).toEqual(['d1/d2/f.txt', 'top.txt']);

    // A re-run where only the folders' modes changed and one file is new.
    await chmod(path.join(src, 'd1'), 0o750);
    await chmod(path.join(src, 'd1/d2'), 0o750);
    await writeFile(path.join(src, 'new.txt'), 'n');
    const again = await runExecution(local(src), local(dst));
    const c = again.execution.counters;
    expect([c.FilesTransferred, c.FoldersCreated, c.FoldersUpdated]).toEqual([1, 0, 2]);
    expect(again.sink.resultsFor('transferred')).toEqual(['new.txt']);
    expect(again.sink.resultsFor('folder-updated')).toEqual(['d1', 'd1/d2']);
    expect((await stat(path.join(dst, 'd1'))).mode & 0o777).toBe(0o750);
  });

  it('item 4: a file that grew during the run is verified and reported at the size copied', async () => {
    await writeFile(path.join(src, 'growing.log'), Buffer.alloc(2 * 1024 * 1024, 1));
    let appended = false;
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { BytesPerSecond: 4 * 1024 * 1024 },
      onProgress: (p) => {
        if (!appended && p.files.some((f) => f.path === 'growing.log' && f.bytesDone > 0)) {
          appended = true;
          appendFileSync(path.join(src, 'growing.log'), 'more');
        }
      },
    });
    expect(appended).toBe(true);
    expect(execution.status).toBe('SUCCESS');
    const grown = 2 * 1024 * 1024 + 4;
    expect((await stat(path.join(dst, 'growing.log'))).size).toBe(grown);
    expect(sink.received.find((r) => r.action === 'verified')).toMatchObject({
      path: 'growing.log',
      size: grown,
    });
    expect(execution.counters.BytesVerified).toBe(grown);
  });

  it('item 4: a cancelled run reports the files that were in flight as failed with code cancelled', async () => {
    for (let i = 0; i < 4; i++)
      await writeFile(path.join(src, `f${i}.bin`), Buffer.alloc(1024 * 1024, i));
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { BytesPerSecond: 1024 * 1024, Parallelism: 2 },
      onStart: (runner) => setTimeout(() => runner.cancel(), 1200),
    });
    expect(execution.status).toBe('CANCELLED');
    const cancelled = sink.received.filter((r) => r.action === 'failed');
    expect(cancelled.length).toBeGreaterThan(0);
    for (const r of cancelled) {
      expect(r.errorCode).toBe('cancelled');
      expect(r.detail).toContain('was not written');
    }
    expect(execution.counters.FilesFailed).toBe(cancelled.length);
    // Each in-flight file is accounted for: at the destination, or reported cancelled.
    const there = (await readdir(dst)).sort();
    expect(sink.resultsFor('transferred')).toEqual(there);
    for (const r of cancelled) expect(there).not.toContain(r.path);
  });

  it('item 4: deletes skipped after an error are said in the summary and listed in the report', async () => {
    await writeFile(path.join(src, 'secret.txt'), 'no');
    await chmod(path.join(src, 'secret.txt'), 0o000);
    await writeFile(path.join(dst, 'extra.txt'), 'keep me');
    await writeFile(path.join(dst, 'extra2.txt'), 'keep me too');
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { PreserveDeletedFiles: 'REMOVE' },
    });
    const c = execution.counters;
    expect([c.EstimatedFilesToDelete, c.FilesDeleted, c.FilesNotDeleted]).toEqual([2, 0, 2]);
    expect(sink.resultsFor('not-deleted')).toEqual(['extra.txt', 'extra2.txt']);
    expect(sink.received.find((r) => r.action === 'not-deleted')?.detail).toContain(
      'nothing is deleted after an error',
    );
    expect(execution.error?.message).toContain('2 deletion(s) not made');
  });

  it('item 4: a link kept as a link has a line that says so', async () => {
    await writeFile(path.join(src, 'target.txt'), 'target');
    await symlink('target.txt', path.join(src, 'link'));
    const when = new Date('2024-01-01T00:00:00Z');
    await utimes(path.join(src, 'target.txt'), when, when);
    const { execution, sink } = await runExecution(local(src), local(dst));
    expect(execution.status).toBe('SUCCESS');
    expect(sink.received.find((r) => r.path === 'link')).toMatchObject({
      action: 'transferred',
      size: 0,
      detail: 'symbolic link to target.txt',
    });
  });
});
