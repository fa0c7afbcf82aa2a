import { AppError } from '../../src-shared/errors';
import type { ReadOptions } from './location';

/*
 * Range semantics every location follows (the conformance suite checks them):
 * - `start` and `end` are inclusive byte offsets; absent means the first and the last byte.
 * - An `end` past the last byte is clamped to it, like HTTP Range and fs.createReadStream.
 * - A `start` at or past the end of the file gives an empty stream, not an error (S3's 416 maps
 *   to this), so a reader resuming at the exact size of a complete file reads nothing.
 * - Negative or fractional offsets, or `end` before `start`, are the caller's bug: invalid-input.
 */

/** Checks a read range before any I/O. Throws AppError('invalid-input') naming `what`. */
export function checkReadRange(options: ReadOptions, what: string): void {
  const { start, end } = options;
  const bad = (value: number | undefined): boolean =>
    value !== undefined && (!Number.isSafeInteger(value) || value < 0);
  if (bad(start) || bad(end) || (end !== undefined && end < (start ?? 0))) {
    throw new AppError(
      'invalid-input',
      `Invalid byte range ${start ?? 0}-${end ?? ''} for ${what}: offsets are whole, non-negative and in order`,
      { start, end },
    );
  }
}

/** The [first, last] bytes a range selects in a file of `size` bytes; last < first means none. */
export function clampReadRange(options: ReadOptions, size: number): [number, number] {
  const first = options.start ?? 0;
  const last = Math.min(options.end ?? size - 1, size - 1);
  return [first, last];
}
