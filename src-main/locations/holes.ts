import type { EntryInfo } from './location';

/*
 * Sparse files: finding the runs of zeros a write may leave as holes. Node has no binding for
 * lseek(SEEK_DATA/SEEK_HOLE), so a file's holes are found as rsync -S finds them: by reading
 * them (a hole reads as zeros the kernel fills in, about 5 GB/s here) and comparing blocks with
 * zeros (memcmp). Measured on a 5 GiB file with 1 MiB of data: the read, the comparison and the
 * xxh64 of the logical bytes take 1.0 s together (read 0.4, compare 0.1, hash 0.5), so knowing
 * where the data is would save at most 0.4 s of a copy that writes 1 MiB (docs/reliability.md).
 */

/** A hole is at least one block of the file system: less missing is a small file kept inline. */
const HOLE_MIN_BYTES = 4096;

/**
 * The entry is a file with holes: the store says it occupies at least a block less than its
 * size. (A tiny file kept in its inode, btrfs or ext4 inline data, occupies no block at all.)
 */
export function hasHoles(entry: Pick<EntryInfo, 'size' | 'allocatedBytes'>): boolean {
  return entry.allocatedBytes !== undefined && entry.allocatedBytes + HOLE_MIN_BYTES <= entry.size;
}

const ZEROS = Buffer.alloc(1024 * 1024);

/** Every byte of `bytes` is zero. */
export function isAllZero(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const end = Math.min(bytes.length, at + ZEROS.length);
    if (ZEROS.compare(bytes, at, end, 0, end - at) !== 0) return false;
  }
  return true;
}

/** A run of bytes that are not all zeros: [start, end) within the chunk. */
export interface DataRun {
  start: number;
  end: number;
}

/**
 * The runs of `chunk` to write when blocks of `blockBytes` (at offsets of the file that are
 * multiples of it; `offset` is the chunk's own) that hold only zeros are left as holes.
 * Adjacent data blocks make one run. A chunk of zeros only gives no run.
 */
export function dataRuns(chunk: Uint8Array, offset: number, blockBytes: number): DataRun[] {
  if (isAllZero(chunk)) return [];
  const runs: DataRun[] = [];
  let start = -1;
  // The first block ends at the next multiple of blockBytes in the file.
  let at = 0;
  while (at < chunk.length) {
    const end = Math.min(chunk.length, at + blockBytes - ((offset + at) % blockBytes));
    const zero = ZEROS.compare(chunk, at, end, 0, end - at) === 0;
    if (!zero && start < 0) start = at;
    if (zero && start >= 0) {
      runs.push({ start, end: at });
      start = -1;
    }
    at = end;
  }
  if (start >= 0) runs.push({ start, end: chunk.length });
  return runs;
}
