import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlanItem } from '../../../src-main/engine/plan';
import { SharedTokenBucket } from '../../../src-main/engine/throttle';
import { createInlineRunner, type RunnerSpec } from '../../../src-main/engine/transfer-runner';
import {
  MemoryLocation,
  memoryStore,
  resetMemoryStores,
} from '../../../src-main/locations/memory/memory-location';
import { defaultTaskOptions } from '../../../src-shared/model/task';

// The CLI's inline runner with more than one lane: a pair of location objects per connection the
// store would have had in worker threads (SMB: two), each item on the least busy lane.

afterEach(() => resetMemoryStores());

const spec = (parallelism: number): RunnerSpec => ({
  source: { config: { kind: 'memory', name: 'src' }, secrets: {} },
  destination: { config: { kind: 'memory', name: 'dst' }, secrets: {} },
  options: { ...defaultTaskOptions(), Parallelism: parallelism },
  bucket: new SharedTokenBucket(0),
  hashAlgorithm: 'xxh64',
});

/** File i of the source as PREPARING would have planned it. */
const item = (i: number): PlanItem =>
  ({
    path: `f${i}.bin`,
    type: 'file',
    size: 1000,
    mtimeMs: memoryStore('src').get(`f${i}.bin`)?.mtimeMs ?? 0,
    action: 'copy',
  }) as PlanItem;

/** A lane's destination whose writes take a while, counting how many it ran and at most at once. */
function slowDestination(): { location: MemoryLocation; seen: { writes: number; most: number } } {
  const location = new MemoryLocation('dst');
  const seen = { writes: 0, most: 0 };
  let now = 0;
  const write = location.write.bind(location);
  vi.spyOn(location, 'write').mockImplementation(async (...args) => {
    seen.writes++;
    seen.most = Math.max(seen.most, ++now);
    try {
      await sleep(5);
      return await write(...args);
    } finally {
      now--;
    }
  });
  return { location, seen };
}

describe('inline runner lanes', () => {
  it('spreads the items in flight over its lanes and closes only the lanes it was given', async () => {
    for (let i = 0; i < 24; i++) memoryStore('src').putFile(`f${i}.bin`, Buffer.alloc(1000, i));
    const first = slowDestination();
    const second = slowDestination();
    const secondSource = new MemoryLocation('src');
    const firstSource = new MemoryLocation('src');
    const closed = [firstSource, first.location, secondSource, second.location].map((l) =>
      vi.spyOn(l, 'close'),
    );
    const runner = createInlineRunner(firstSource, first.location, spec(4), [
      { source: secondSource, destination: second.location },
    ]);
    expect(runner.concurrency).toBe(4);
    const signal = new AbortController().signal;
    const outcomes = await Promise.all(
      Array.from({ length: 24 }, (_, i) => runner.run(item(i), () => undefined, signal)),
    );
    expect(outcomes.every((o) => o.bytes === 1000)).toBe(true);
    // Four at once, two on each lane: neither connection carries all of them.
    expect(first.seen.most).toBe(2);
    expect(second.seen.most).toBe(2);
    expect(first.seen.writes + second.seen.writes).toBe(24);
    expect(Math.min(first.seen.writes, second.seen.writes)).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 24; i++)
      expect(memoryStore('dst').get(`f${i}.bin`)?.bytes.equals(Buffer.alloc(1000, i))).toBe(true);

    await runner.close();
    await runner.close();
    expect(closed.map((c) => c.mock.calls.length)).toEqual([0, 0, 1, 1]);
  });

  it('hashes on its lanes too', async () => {
    memoryStore('dst').putFile('a.bin', 'abc');
    const other = new MemoryLocation('dst');
    const read = vi.spyOn(other, 'read');
    const runner = createInlineRunner(
      new MemoryLocation('src'),
      new MemoryLocation('dst'),
      spec(2),
      [{ source: new MemoryLocation('src'), destination: other }],
    );
    const signal = new AbortController().signal;
    const [a, b] = await Promise.all([
      runner.hash('destination', 'a.bin', signal, 3),
      runner.hash('destination', 'a.bin', signal, 3),
    ]);
    expect(a).toBe(b);
    expect(read).toHaveBeenCalledTimes(1);
    await runner.close();
  });
});
