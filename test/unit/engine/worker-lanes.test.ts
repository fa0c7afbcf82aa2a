import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanItem } from '../../../src-main/engine/plan';
import { SharedTokenBucket } from '../../../src-main/engine/throttle';
import { WorkerRunner } from '../../../src-main/engine/worker-runner';
import { defaultTaskOptions } from '../../../src-shared/model/task';

// How WorkerRunner spreads items over threads and lanes, with a stand-in worker script.

const SCRIPT = path.resolve(__dirname, '../../support/lanes-worker.mjs');

function runner(concurrency: number, threads: number): WorkerRunner {
  return new WorkerRunner(
    {
      source: { config: { kind: 'memory', name: 'a' }, secrets: {} },
      destination: { config: { kind: 'memory', name: 'b' }, secrets: {} },
      options: defaultTaskOptions(),
      bucket: new SharedTokenBucket(0),
      hashAlgorithm: 'xxh64',
    },
    concurrency,
    SCRIPT,
    threads,
  );
}

const item = (i: number): PlanItem =>
  ({
    path: `big-${i}`,
    type: 'file',
    size: 10 * 1024 * 1024,
    mtimeMs: 0,
    action: 'copy',
  }) as PlanItem;

async function concurrencySeen(pool: WorkerRunner, items: number): Promise<number> {
  const signal = new AbortController().signal;
  try {
    const outcomes = await Promise.all(
      Array.from({ length: items }, (_, i) => pool.run(item(i), () => undefined, signal)),
    );
    return Math.max(...outcomes.map((o) => o.bytes));
  } finally {
    await pool.close();
  }
}

describe('WorkerRunner threads and lanes', () => {
  it('runs several items at once on one thread when it has lanes (network stores)', async () => {
    expect(await concurrencySeen(runner(4, 1), 12)).toBe(4);
  });

  it('runs one item per thread when threads equal the concurrency (disks)', async () => {
    expect(await concurrencySeen(runner(3, 3), 9)).toBe(1);
  });

  it('offers groups only with one lane per thread (disks), not where threads have lanes', async () => {
    const disk = runner(2, 2);
    const network = runner(4, 1);
    expect(disk.groupsInFlight).toBeGreaterThan(0);
    expect(network.groupsInFlight).toBe(0);
    await Promise.all([disk.close(), network.close()]);
  });

  it('gives each thread the groups of its own folders (no two threads creating files in one folder)', async () => {
    const pool = runner(2, 2);
    const signal = new AbortController().signal;
    const group = (folder: string, from: number): PlanItem[] =>
      Array.from(
        { length: 4 },
        (_, i) =>
          ({
            path: `${folder}/f${from + i}`,
            type: 'file',
            size: 10,
            mtimeMs: 0,
            action: 'copy',
          }) as PlanItem,
      );
    try {
      // Handed over as the engine does: every group at hand, then the threads take them.
      const answers = await Promise.all(
        [group('a', 0), group('a', 4), group('b', 0), group('b', 4)].map((items) =>
          pool.runGroup(items, signal),
        ),
      );
      const threadOf = answers.map((a) => {
        const first = a[0];
        return first && 'outcome' in first ? first.outcome.sourceHash : null;
      });
      expect(threadOf[0]).not.toBeNull();
      expect(threadOf[1]).toBe(threadOf[0]);
      expect(threadOf[3]).toBe(threadOf[2]);
      expect(threadOf[2]).not.toBe(threadOf[0]);
    } finally {
      await pool.close();
    }
  });
});
