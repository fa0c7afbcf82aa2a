import { ftruncateSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dataRuns } from '../holes';

/*
 * Writing a file with holes into a new local file: blocks of zeros are skipped (the file system
 * leaves what was never written as a hole, which reads as zeros) and the size is set at the end
 * with ftruncate, so a file that ends in a hole has its full size.
 */

/** File-system blocks: holes are whole blocks of 4 KiB on ext4, xfs, btrfs, APFS and NTFS. */
const HOLE_BLOCK = 4096;

/**
 * Writes `data` into the new, empty file `handle`, leaving blocks of zeros as holes. Resolves
 * with the file's size (every byte, holes included). Throws the raw fs error or the stream's.
 */
export async function writeSparseAsync(
  handle: FileHandle,
  data: AsyncIterable<Buffer>,
): Promise<number> {
  let offset = 0;
  for await (const chunk of data) {
    for (const run of dataRuns(chunk, offset, HOLE_BLOCK)) {
      let done = run.start;
      while (done < run.end) {
        const { bytesWritten } = await handle.write(chunk, done, run.end - done, offset + done);
        done += bytesWritten;
      }
    }
    offset += chunk.length;
  }
  await handle.truncate(offset);
  return offset;
}

/** writeSparseAsync with blocking calls (worker threads). Throws the raw fs error. */
export async function writeSparseBlocking(
  fd: number,
  data: AsyncIterable<Buffer>,
  aborted: () => void,
): Promise<number> {
  let offset = 0;
  for await (const chunk of data) {
    aborted();
    for (const run of dataRuns(chunk, offset, HOLE_BLOCK)) {
      let done = run.start;
      while (done < run.end) done += writeSync(fd, chunk, done, run.end - done, offset + done);
    }
    offset += chunk.length;
  }
  ftruncateSync(fd, offset);
  return offset;
}
