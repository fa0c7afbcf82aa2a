import { describe, expect, it } from 'vitest';
import { dataRuns, hasHoles, isAllZero } from '../../../src-main/locations/holes';

describe('holes.ts: the runs of a chunk worth writing', () => {
  it('a chunk of zeros only has no run; one without zero blocks is one run', () => {
    expect(dataRuns(Buffer.alloc(256 * 1024), 0, 4096)).toEqual([]);
    expect(dataRuns(Buffer.alloc(256 * 1024, 1), 0, 4096)).toEqual([{ start: 0, end: 256 * 1024 }]);
  });

  it('zero blocks between data split the chunk; adjacent data blocks make one run', () => {
    const chunk = Buffer.alloc(8 * 4096);
    chunk[0] = 1; // block 0
    chunk[4096 + 17] = 1; // block 1
    chunk[5 * 4096 + 4095] = 1; // block 5
    expect(dataRuns(chunk, 0, 4096)).toEqual([
      { start: 0, end: 2 * 4096 },
      { start: 5 * 4096, end: 6 * 4096 },
    ]);
  });

  it('blocks are aligned to the file, not to the chunk: a chunk at an odd offset starts with a partial block', () => {
    const chunk = Buffer.alloc(3 * 4096);
    chunk[100] = 7; // in the file's block that ends 4096 - 1000 bytes into the chunk
    chunk[chunk.length - 1] = 7; // the last, partial block
    expect(dataRuns(chunk, 1000, 4096)).toEqual([
      { start: 0, end: 3096 },
      { start: 3096 + 2 * 4096, end: chunk.length },
    ]);
  });

  it('isAllZero looks at every byte, past 1 MiB too', () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    expect(isAllZero(big)).toBe(true);
    big[big.length - 1] = 1;
    expect(isAllZero(big)).toBe(false);
  });

  it('hasHoles: at least a block fewer allocated than the size; inline tiny files are not sparse', () => {
    expect(hasHoles({ size: 256 * 1024 * 1024, allocatedBytes: 1024 * 1024 })).toBe(true);
    expect(hasHoles({ size: 2000, allocatedBytes: 0 })).toBe(false);
    expect(hasHoles({ size: 8192, allocatedBytes: 8192 })).toBe(false);
    expect(hasHoles({ size: 8192 })).toBe(false);
  });
});
