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
});
