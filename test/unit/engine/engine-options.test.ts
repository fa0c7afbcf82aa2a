import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { local, runExecution, tempDir } from '../../support/engine-harness';

// The metadata and logging options, one by one, on real folders.

let src: string;
let dst: string;
let cleanup: (() => Promise<void>)[] = [];
const isRoot = process.getuid?.() === 0;
const ATIME = new Date('2021-02-03T04:05:06.789Z');
const MTIME = new Date('2022-03-04T05:06:07.891Z');

beforeEach(async () => {
  const a = await tempDir('osrc');
  const b = await tempDir('odst');
  src = a.dir;
  dst = b.dir;
  cleanup = [a.remove, b.remove];
  await writeFile(path.join(src, 'a.txt'), 'a');
  await chmod(path.join(src, 'a.txt'), 0o604);
  await utimes(path.join(src, 'a.txt'), ATIME, MTIME);
});

afterEach(async () => {
  for (const c of cleanup) await c();
});

describe('engine options', () => {
  it('Atime=BEST_EFFORT keeps the access time; NONE does not', async () => {
    await runExecution(local(src), local(dst), { options: { VerifyMode: 'NONE' } });
    expect(Math.abs((await stat(path.join(dst, 'a.txt'))).atimeMs - ATIME.getTime())).toBeLessThan(
      1,
    );
    await runExecution(local(src), local(dst), {
      options: { VerifyMode: 'NONE', TransferMode: 'ALL', Atime: 'NONE' },
    });
    expect(
      Math.abs((await stat(path.join(dst, 'a.txt'))).atimeMs - ATIME.getTime()),
    ).toBeGreaterThan(1000);
  });

  it('PosixPermissions=PRESERVE keeps the mode; NONE leaves the default', async () => {
    await runExecution(local(src), local(dst));
    expect((await stat(path.join(dst, 'a.txt'))).mode & 0o777).toBe(0o604);
    const other = await tempDir('odst2');
    cleanup.push(other.remove);
    await runExecution(local(src), local(other.dir), { options: { PosixPermissions: 'NONE' } });
    expect((await stat(path.join(other.dir, 'a.txt'))).mode & 0o777).not.toBe(0o604);
  });

  it('a mode change alone is carried as metadata, without copying the content again', async () => {
    await runExecution(local(src), local(dst));
    await chmod(path.join(src, 'a.txt'), 0o640);
    const { execution, sink } = await runExecution(local(src), local(dst));
    expect(execution.counters.FilesTransferred).toBe(0);
    expect(execution.counters.BytesWritten).toBe(0);
    expect((await stat(path.join(dst, 'a.txt'))).mode & 0o777).toBe(0o640);
    expect(execution.counters.FilesMetadataUpdated).toBe(1);
    expect(sink.received.find((r) => r.path === 'a.txt')?.action).toBe('metadata-updated');
  });

  it.runIf(isRoot)('Uid/Gid=INT_VALUE keep the owner (as root); NONE does not', async () => {
    await chown(path.join(src, 'a.txt'), 4321, 4322);
    await runExecution(local(src), local(dst));
    const kept = await stat(path.join(dst, 'a.txt'));
    expect([kept.uid, kept.gid]).toEqual([4321, 4322]);
    const other = await tempDir('odst3');
    cleanup.push(other.remove);
    await runExecution(local(src), local(other.dir), { options: { Uid: 'NONE', Gid: 'NONE' } });
    const mine = await stat(path.join(other.dir, 'a.txt'));
    expect([mine.uid, mine.gid]).toEqual([process.getuid?.(), process.getgid?.()]);
  });

  it('PreserveDevices=NONE leaves a FIFO behind as not copied, with a report line naming why', async () => {
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const { execution, sink } = await runExecution(local(src), local(dst));
    expect(execution.status).toBe('ERROR');
    expect(sink.received.find((r) => r.path === 'pipe')).toMatchObject({
      action: 'not-copied',
      detail: expect.stringContaining('PreserveDevices=NONE'),
    });
    await expect(lstat(path.join(dst, 'pipe'))).rejects.toThrow();
  });

  it('LogLevel: OFF logs nothing, BASIC only phases and problems, TRANSFER every file', async () => {
    await mkdir(path.join(src, 'd'));
    await writeFile(path.join(src, 'd/b.txt'), 'b');
    const off = await runExecution(local(src), local(dst), { options: { LogLevel: 'OFF' } });
    expect(off.sink.logs).toEqual([]);
    const basic = await runExecution(local(src), local(dst), {
      options: { LogLevel: 'BASIC', TransferMode: 'ALL' },
    });
    expect(basic.sink.logs.some((l) => l.includes('TRANSFERRING started'))).toBe(true);
    expect(basic.sink.logs.some((l) => l.includes('d/b.txt'))).toBe(false);
    const transfer = await runExecution(local(src), local(dst), {
      options: { LogLevel: 'TRANSFER', TransferMode: 'ALL' },
    });
    expect(transfer.sink.logs.some((l) => l.includes('d/b.txt'))).toBe(true);
  });

  it('a dry run counts what would move and changes nothing', async () => {
    const target = path.join(dst, 'not-yet');
    const { execution } = await runExecution(local(src), local(target), { dryRun: true });
    expect(execution.status).toBe('SUCCESS');
    expect(execution.counters.EstimatedFilesToTransfer).toBe(1);
    expect(execution.phases.TRANSFERRING.status).toBe('SKIPPED');
    await expect(lstat(target)).rejects.toThrow();
  });
});
