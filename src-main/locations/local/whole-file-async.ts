import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { AppError } from '../../../src-shared/errors';
import type { MetadataUpdate, ReadWholeOptions } from '../location';
import { applyMetadata } from './local-fs-helpers';

/*
 * readWhole / writeWhole of a LocalLocation on the main thread, where blocking calls must not
 * stall the UI (a hung network mount would): the same steps as blocking-io.ts, through libuv.
 */

/**
 * A whole small file: the planned size read, then checked to be a regular file still of the
 * planned size and mtime (as readWholeBlocking). Throws the raw fs error, or AppError
 * not-supported / changed-during-transfer.
 */
export async function readWholeAsync(
  abs: string,
  shown: string,
  options: ReadWholeOptions,
): Promise<Buffer> {
  const { size } = options.expect;
  const handle = await open(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const data = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await handle.read(data, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const after = await handle.stat();
    assertReadAsPlanned(abs, shown, options, after, got);
    return data;
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` into the new file `temp`, applies the metadata, renames it over `abs`; the
 * temporary is removed on failure. Throws the raw fs error.
 */
export async function writeWholeAsync(
  abs: string,
  temp: string,
  data: Uint8Array,
  metadata: MetadataUpdate | undefined,
): Promise<number> {
  const handle = await open(temp, 'wx', 0o666);
  try {
    await handle.writeFile(data);
    await handle.close();
    if (metadata) await applyMetadata(temp, metadata, false);
    await rename(temp, abs);
    return data.length;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * After a whole-file read (blocking or not): the file must still be a regular file of the planned
 * size and mtime, and `got` bytes must be all of it. Throws AppError not-supported, or
 * changed-during-transfer naming `shown`.
 */
export function assertReadAsPlanned(
  abs: string,
  shown: string,
  options: ReadWholeOptions,
  after: { isFile(): boolean; size: number; mtimeMs: number },
  got: number,
): void {
  const { size, mtimeMs } = options.expect;
  if (!after.isFile())
    throw new AppError('not-supported', `Not a regular file: ${abs}`, { path: abs });
  if (got !== size || after.size !== size || Math.abs(after.mtimeMs - mtimeMs) >= 1)
    throw changedDuringTransfer(shown, size, after.size, got);
}

/** The error of a source that is not the version PREPARING saw, naming it as the user does. */
function changedDuringTransfer(
  shown: string,
  planned: number,
  now: number,
  read?: number,
): AppError {
  const bytes = read === undefined ? '' : `, read ${read} bytes`;
  return new AppError(
    'changed-during-transfer',
    `Source file changed while it was being copied: ${shown} (size ${planned} -> ${now}${bytes})`,
    { path: shown },
  );
}
