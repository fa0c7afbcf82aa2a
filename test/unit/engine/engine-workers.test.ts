import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareThreadsStarted } from '../../../src-main/engine/prepare-in-worker';
import { WorkerRunner } from '../../../src-main/engine/worker-runner';
import { local, runExecution, tempDir } from '../../support/engine-harness';

// The engine with real worker threads (the built out/main/transfer-worker.js: `npm test` builds
// before it runs the unit tests).

let src: string;
let dst: string;
let cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await stat(path.resolve(__dirname, '../../../out/main/transfer-worker.js')).catch(() => {
    throw new Error('out/main/transfer-worker.js is missing: run `npm run build` first');
  });
});

beforeEach(async () => {
  const a = await tempDir('wsrc');
  const b = await tempDir('wdst');
  src = a.dir;
  dst = b.dir;
  cleanup = [a.remove, b.remove];
});

afterEach(async () => {
  for (const c of cleanup) await c();
});

describe('engine with worker threads', () => {
  it('keeps the PREPARING thread for the next run: a re-run starts no thread', async () => {
    for (let i = 0; i < 50; i++) await writeFile(path.join(src, `f${i}.txt`), `file ${i}`);
    const first = await runExecution(local(src), local(dst), { runner: 'workers' });
    expect(first.execution.counters.FilesTransferred).toBe(50);
    const started = prepareThreadsStarted();
    const rerun = await runExecution(local(src), local(dst), { runner: 'workers' });
    expect(rerun.execution.status).toBe('SUCCESS');
    expect(rerun.execution.counters).toMatchObject({ FilesSkipped: 50, FilesTransferred: 0 });
    await writeFile(path.join(src, 'f7.txt'), 'changed, longer');
    const third = await runExecution(local(src), local(dst), { runner: 'workers' });
    expect(third.execution.counters).toMatchObject({ FilesSkipped: 49, FilesTransferred: 1 });
    expect(await readFile(path.join(dst, 'f7.txt'), 'utf8')).toBe('changed, longer');
    expect(prepareThreadsStarted()).toBe(started);
  });

  it('copies many files through the pool and verifies them', async () => {
    for (let i = 0; i < 200; i++)
      await writeFile(path.join(src, `file-${i}.txt`), `content ${i}\n`.repeat(i));
    const { execution } = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: { Parallelism: 4 },
    });
    expect(execution.status).toBe('SUCCESS');
    expect(execution.counters.FilesTransferred).toBe(200);
    expect(execution.counters.FilesVerified).toBe(200);
    expect(await readFile(path.join(dst, 'file-77.txt'), 'utf8')).toBe('content 77\n'.repeat(77));
  });

  it('copies small files in groups: one it cannot read fails alone, the rest are transferred and verified', async () => {
    const content = (d: number, i: number): string => `file ${d}/${i}\n`.repeat(i + 1);
    for (let d = 0; d < 3; d++) {
      await mkdir(path.join(src, `d${d}`));
      for (let i = 0; i < 40; i++)
        await writeFile(path.join(src, `d${d}`, `f${i}.txt`), content(d, i));
    }
    // Unreadable (the tests run without the capabilities that ignore file modes).
    await chmod(path.join(src, 'd1', 'f7.txt'), 0);
    const { execution, sink } = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: { Parallelism: 2 },
    });
    expect(execution.status).toBe('ERROR');
    expect(execution.counters).toMatchObject({
      FilesTransferred: 119,
      FilesVerified: 119,
      FilesFailed: 1,
      BytesWritten: execution.counters.BytesTransferred,
    });
    const failed = sink.received.filter((r) => r.action === 'failed');
    expect(failed.map((r) => [r.path, r.errorCode])).toEqual([['d1/f7.txt', 'permission-denied']]);
    for (const d of [0, 1, 2]) {
      const names = (await readdir(path.join(dst, `d${d}`))).sort();
      expect(names.filter((n) => n.startsWith('.dataferry-'))).toEqual([]);
      expect(names.length).toBe(d === 1 ? 39 : 40);
    }
    expect(await readFile(path.join(dst, 'd2', 'f39.txt'), 'utf8')).toBe(content(2, 39));
    const line = sink.received.find((r) => r.path === 'd0/f3.txt' && r.action === 'verified');
    expect(line?.sourceChecksum).toMatch(/^xxh64:[0-9a-f]{16}$/);
    expect(line?.destinationChecksum).toBe(line?.sourceChecksum);
  });

  it('holds one bandwidth limit across all workers, and lifts it while running', async () => {
    for (let i = 0; i < 4; i++)
      await writeFile(path.join(src, `f${i}.bin`), Buffer.alloc(512 * 1024, i));
    const limited = Date.now();
    const first = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: { BytesPerSecond: 1024 * 1024, Parallelism: 4, VerifyMode: 'NONE' },
    });
    // 2 MiB at 1 MiB/s shared by four workers cannot take much under two seconds.
    expect(first.execution.status).toBe('SUCCESS');
    expect(Date.now() - limited).toBeGreaterThan(1500);

    const second = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: {
        BytesPerSecond: 64 * 1024,
        Parallelism: 4,
        VerifyMode: 'NONE',
        TransferMode: 'ALL',
      },
      onStart: (runner) => setTimeout(() => runner.setBandwidth(-1), 300),
    });
    // At 64 KiB/s this would take 32 s; lifted after 0.3 s it finishes well within the timeout.
    expect(second.execution.status).toBe('SUCCESS');
    expect(second.execution.bytesPerSecond).toBe(-1);
  });

  it('a worker killed mid-file ends the execution ERROR, leaves no partial file, and the next run completes', async () => {
    await writeFile(path.join(src, 'small.txt'), 'small');
    await writeFile(path.join(src, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 7));
    let killed = false;
    const { execution } = await runExecution(local(src), local(dst), {
      runner: 'workers',
      options: { BytesPerSecond: 1024 * 1024, Parallelism: 2 },
      onStart: (runner) => {
        const poll = setInterval(() => {
          const pool = runner.transferRunner;
          if (pool instanceof WorkerRunner && !killed) {
            void pool.killWorkerFor('big.bin').then((done) => {
              if (done) {
                killed = true;
                clearInterval(poll);
              }
            });
          }
        }, 50);
        setTimeout(() => clearInterval(poll), 10_000);
      },
    });
    expect(killed).toBe(true);
    expect(execution.status).toBe('ERROR');
    expect(execution.error?.message).toContain('The transfer worker');
    expect(execution.error?.message).toContain('big.bin');
    // The crashed worker's temporary is cleaned up once the run has ended.
    expect((await readdir(dst)).filter((n) => n.startsWith('.dataferry-'))).toEqual([]);
    const names = await readdir(dst);
    if (names.includes('big.bin'))
      expect((await stat(path.join(dst, 'big.bin'))).size).toBe(4 * 1024 * 1024);

    const again = await runExecution(local(src), local(dst), { runner: 'workers' });
    expect(again.execution.status).toBe('SUCCESS');
    expect(
      (await readFile(path.join(dst, 'big.bin'))).equals(Buffer.alloc(4 * 1024 * 1024, 7)),
    ).toBe(true);
  });
});
