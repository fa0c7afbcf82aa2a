import { createHash } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { local, runExecution, tempDir } from '../../support/engine-harness';

// The engine end to end on real temporary folders, local to local, on this thread (the worker
// thread runs are in engine-workers.test.ts).

let src: string;
let dst: string;
let cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  const a = await tempDir('src');
  const b = await tempDir('dst');
  src = a.dir;
  dst = b.dir;
  cleanup = [a.remove, b.remove];
});

afterEach(async () => {
  await chmod(path.join(src, 'secret.txt'), 0o644).catch(() => undefined);
  for (const c of cleanup) await c();
});

const LONG_NAME = `${'ä'.repeat(100)}${'x'.repeat(50)}.txt`; // 250 bytes in UTF-8
const MTIME = new Date('2023-06-01T12:00:00.123Z');

async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'docs/empty-folder'), { recursive: true });
  await mkdir(path.join(root, 'with spaces/ünïcødé 文件夹'), { recursive: true });
  await writeFile(path.join(root, 'docs/readme.md'), '# hello\n');
  await writeFile(path.join(root, 'docs/zero.bin'), '');
  await writeFile(path.join(root, 'with spaces/ünïcødé 文件夹/ファイル 1.txt'), 'unicode content');
  await writeFile(path.join(root, LONG_NAME), 'long');
  await writeFile(path.join(root, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 42));
  await chmod(path.join(root, 'docs/readme.md'), 0o640);
  await symlink('docs/readme.md', path.join(root, 'link-to-readme'));
  for (const f of ['docs/readme.md', 'docs/zero.bin', LONG_NAME, 'big.bin']) {
    await utimes(path.join(root, f), MTIME, MTIME);
  }
}

async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(path.join(root, rel))).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const info = await lstat(path.join(root, p));
      if (info.isSymbolicLink()) out[p] = `link:${await readlink(path.join(root, p))}`;
      else if (info.isDirectory()) {
        out[p] = 'dir';
        await walk(p);
      } else {
        const hash = createHash('sha256')
          .update(await readFile(path.join(root, p)))
          .digest('hex');
        out[p] =
          `file:${info.size}:${hash}:${Math.floor(info.mtimeMs)}:${(info.mode & 0o777).toString(8)}`;
      }
    }
  }
  await walk('');
  return out;
}

describe('engine, local to local', () => {
  it('copies a tree with unicode, spaces, long names, empty folders, zero-byte files and links', async () => {
    await makeTree(src);
    const { execution, sink } = await runExecution(local(src), local(dst));
    expect(execution.status).toBe('SUCCESS');
    expect(execution.error).toBeNull();
    expect(await snapshot(dst)).toEqual(await snapshot(src));
    expect(await readlink(path.join(dst, 'link-to-readme'))).toBe('docs/readme.md');
    const linkTimes = async (root: string): Promise<number> =>
      (await lstat(path.join(root, 'link-to-readme'))).mtimeMs;
    expect(Math.abs((await linkTimes(dst)) - (await linkTimes(src)))).toBeLessThan(1);
    const c = execution.counters;
    expect(c.EstimatedFilesToTransfer).toBe(6); // 5 files + 1 link
    expect(c.FilesTransferred).toBe(6);
    expect(c.EstimatedBytesToTransfer).toBe(3 * 1024 * 1024 + 8 + 15 + 4);
    expect(c.BytesWritten).toBe(c.EstimatedBytesToTransfer);
    expect(c.FilesVerified).toBe(5);
    expect(c.FilesFailed).toBe(0);
    expect(Object.values(execution.phases).map((p) => p.status)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
    ]);
    expect(sink.resultsFor('transferred')).toContain(LONG_NAME);
    const statuses = sink.updates.map((u) => u.status);
    expect(statuses).toEqual(
      expect.arrayContaining(['LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING', 'SUCCESS']),
    );
    expect(statuses.indexOf('PREPARING')).toBeLessThan(statuses.indexOf('TRANSFERRING'));
  });

  it('moves only what changed on a re-run', async () => {
    await makeTree(src);
    await runExecution(local(src), local(dst));
    const again = await runExecution(local(src), local(dst));
    expect(again.execution.status).toBe('SUCCESS');
    expect(again.execution.counters.FilesTransferred).toBe(0);
    expect(again.execution.counters.BytesWritten).toBe(0);
    expect(again.execution.counters.FilesSkipped).toBe(6);

    await writeFile(path.join(src, 'docs/readme.md'), '# changed!\n');
    await writeFile(path.join(src, 'docs/new.txt'), 'new');
    const third = await runExecution(local(src), local(dst));
    expect(third.execution.counters.FilesTransferred).toBe(2);
    expect(third.sink.resultsFor('transferred')).toEqual(['docs/new.txt', 'docs/readme.md']);
    expect(await readFile(path.join(dst, 'docs/readme.md'), 'utf8')).toBe('# changed!\n');
  });

  it('TransferMode=ALL copies everything again', async () => {
    await makeTree(src);
    await runExecution(local(src), local(dst));
    const all = await runExecution(local(src), local(dst), { options: { TransferMode: 'ALL' } });
    expect(all.execution.counters.FilesTransferred).toBe(6);
  });

  it('OverwriteMode=NEVER leaves existing destination files alone', async () => {
    await writeFile(path.join(src, 'a.txt'), 'source version');
    await writeFile(path.join(src, 'b.txt'), 'new file');
    await writeFile(path.join(dst, 'a.txt'), 'destination version');
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { OverwriteMode: 'NEVER' },
    });
    expect(execution.status).toBe('SUCCESS');
    expect(await readFile(path.join(dst, 'a.txt'), 'utf8')).toBe('destination version');
    expect(await readFile(path.join(dst, 'b.txt'), 'utf8')).toBe('new file');
    expect(sink.received.find((r) => r.path === 'a.txt')?.detail).toContain('OverwriteMode=NEVER');
  });

  it('PreserveDeletedFiles=REMOVE deletes exactly the destination-only entries', async () => {
    await makeTree(src);
    await runExecution(local(src), local(dst));
    await writeFile(path.join(dst, 'extra.txt'), 'only here');
    await mkdir(path.join(dst, 'old/deeper'), { recursive: true });
    await writeFile(path.join(dst, 'old/deeper/x.txt'), 'x');
    await rmSource('docs/zero.bin');
    const kept = await runExecution(local(src), local(dst));
    expect(kept.execution.counters.FilesDeleted).toBe(0);
    expect(await exists(path.join(dst, 'extra.txt'))).toBe(true);

    const removed = await runExecution(local(src), local(dst), {
      options: { PreserveDeletedFiles: 'REMOVE' },
    });
    expect(removed.execution.status).toBe('SUCCESS');
    expect(removed.sink.resultsFor('deleted')).toEqual([
      'docs/zero.bin',
      'extra.txt',
      'old',
      'old/deeper',
      'old/deeper/x.txt',
    ]);
    expect(removed.execution.counters.FilesDeleted).toBe(5);
    expect(await snapshot(dst)).toEqual(await snapshot(src));
  });

  it('a file without read permission fails alone: the rest is done and nothing is deleted', async () => {
    await makeTree(src);
    await writeFile(path.join(dst, 'extra.txt'), 'keep me: there was an error');
    await writeFile(path.join(src, 'secret.txt'), 'no');
    await chmod(path.join(src, 'secret.txt'), 0o000);
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { PreserveDeletedFiles: 'REMOVE' },
    });
    expect(execution.status).toBe('ERROR');
    expect(execution.counters.FilesFailed).toBe(1);
    expect(execution.counters.FilesTransferred).toBe(6);
    expect(execution.counters.FilesDeleted).toBe(0);
    expect(await exists(path.join(dst, 'extra.txt'))).toBe(true);
    expect(await exists(path.join(dst, 'secret.txt'))).toBe(false);
    const failed = sink.received.find((r) => r.action === 'failed');
    expect(failed).toMatchObject({ path: 'secret.txt', errorCode: 'permission-denied' });
    expect(sink.logs.join('\n')).toContain('Deletes skipped');
  });

  it('filters: excludes win, includes select, folders match with their contents', async () => {
    await makeTree(src);
    await writeFile(path.join(src, 'docs/notes.tmp'), 'tmp');
    const { execution } = await runExecution(local(src), local(dst), {
      includes: '/docs|/big.bin',
      excludes: '*.tmp|/docs/empty-folder',
    });
    expect(execution.status).toBe('SUCCESS');
    expect(Object.keys(await snapshot(dst)).sort()).toEqual([
      'big.bin',
      'docs',
      'docs/readme.md',
      'docs/zero.bin',
    ]);
  });

  it('a source file modified while it is copied is detected and not left half-old', async () => {
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
    // Every attempt sees the change made during the first one and fails; no half-old copy lands.
    const result = sink.received.find((r) => r.path === 'growing.log');
    if (execution.counters.FilesFailed === 1) {
      expect(result).toMatchObject({ action: 'failed', errorCode: 'changed-during-transfer' });
      expect(await exists(path.join(dst, 'growing.log'))).toBe(false);
    } else {
      // A retry after the change copied the new, complete version.
      expect((await stat(path.join(dst, 'growing.log'))).size).toBe(2 * 1024 * 1024 + 4);
    }
  });

  it('verification catches a destination file corrupted between transfer and verify', async () => {
    await makeTree(src);
    const { execution, sink } = await runExecution(local(src), local(dst), {
      onUpdate: (e) => {
        if (e.status === 'VERIFYING')
          writeFileSync(path.join(dst, 'docs/readme.md'), '# tampered\n');
      },
    });
    expect(execution.status).toBe('ERROR');
    expect(execution.error?.code).toBe('checksum-mismatch');
    expect(execution.error?.message).toContain('docs/readme.md');
    expect(execution.phases.VERIFYING.status).toBe('ERROR');
    expect(
      sink.received.find((r) => r.path === 'docs/readme.md' && r.action === 'failed')?.detail,
    ).toContain('checksum');
  });

  it('POINT_IN_TIME_CONSISTENT compares everything, NONE skips verifying', async () => {
    await makeTree(src);
    const full = await runExecution(local(src), local(dst), {
      options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' },
    });
    expect(full.execution.status).toBe('SUCCESS');
    expect(full.execution.counters.FilesVerified).toBe(5);
    const none = await runExecution(local(src), local(dst), { options: { VerifyMode: 'NONE' } });
    expect(none.execution.phases.VERIFYING.status).toBe('SKIPPED');
    expect(none.execution.counters.FilesVerified).toBe(0);
  });

  it('cancel mid-run ends CANCELLED promptly and leaves no partial file under a final name', async () => {
    for (let i = 0; i < 6; i++)
      await writeFile(path.join(src, `f${i}.bin`), Buffer.alloc(1024 * 1024, i));
    const started = Date.now();
    const { execution, sink } = await runExecution(local(src), local(dst), {
      options: { BytesPerSecond: 1024 * 1024, Parallelism: 1 },
      onStart: (runner) => setTimeout(() => runner.cancel(), 1600),
    });
    expect(execution.status).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(execution.phases.TRANSFERRING.status).toBe('CANCELLED');
    const copied = (await readdir(dst)).sort();
    for (const name of copied) {
      expect(name.startsWith('.dataferry-'), name).toBe(false);
      expect((await stat(path.join(dst, name))).size).toBe(1024 * 1024);
    }
    // The report of a cancelled run still names every file it moved (its last batch is kept).
    expect(copied.length).toBeGreaterThan(0);
    expect(sink.resultsFor('transferred')).toEqual(copied);
  });

  it('keeps mtimes, or not, as Mtime says', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    await utimes(path.join(src, 'a.txt'), MTIME, MTIME);
    await runExecution(local(src), local(dst), { options: { Mtime: 'NONE', Atime: 'NONE' } });
    expect((await stat(path.join(dst, 'a.txt'))).mtimeMs).not.toBe(MTIME.getTime());
    await runExecution(local(src), local(dst), { options: { TransferMode: 'ALL' } });
    expect(Math.abs((await stat(path.join(dst, 'a.txt'))).mtimeMs - MTIME.getTime())).toBeLessThan(
      1,
    );
  });

  it('ends ERROR at LAUNCHING with a precise message when the source is missing', async () => {
    const { execution } = await runExecution(local(path.join(src, 'nope')), local(dst));
    expect(execution.status).toBe('ERROR');
    expect(execution.phases.LAUNCHING.status).toBe('ERROR');
    expect(execution.error?.code).toBe('not-found');
    expect(execution.error?.message).toContain('The source');
  });

  it('creates a destination root that does not exist yet', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    const { execution } = await runExecution(local(src), local(path.join(dst, 'new/deeper')));
    expect(execution.status).toBe('SUCCESS');
    expect(await readFile(path.join(dst, 'new/deeper/a.txt'), 'utf8')).toBe('a');
  });
});

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

async function rmSource(rel: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(path.join(src, rel));
}
