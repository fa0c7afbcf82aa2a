/*
 * Times to the nanosecond, for stores that keep them (local disks, S3 user metadata). EntryInfo
 * carries them as decimal strings of nanoseconds since the epoch (mtimeNs): a double of
 * milliseconds keeps only about a quarter of a microsecond at today's dates, and plan items
 * travel as JSON, which has no BigInt.
 */

/** Two readings of one time farther apart than this (ms) are two times. */
const AGREE_MS = 0.01;

/** Milliseconds since the epoch of a nanosecond count, computed as Node computes Stats.mtimeMs. */
export function millisecondsOf(ns: bigint): number {
  const seconds = ns / 1_000_000_000n;
  const rest = ns % 1_000_000_000n;
  return Number(seconds) * 1000 + Number(rest) / 1e6;
}

/**
 * The nanoseconds to write for a time known as `ms` and maybe as `ns`: `ns` when it is a valid
 * count that still agrees with `ms` (a retry that re-read the file updates `ms`; a stale `ns`
 * must not win), else `ms` rounded to the microsecond (what a double holds). Never throws.
 */
export function nanosecondsOf(ms: number, ns?: string): bigint {
  if (ns !== undefined && /^-?\d{1,30}$/.test(ns)) {
    const exact = BigInt(ns);
    if (Math.abs(millisecondsOf(exact) - ms) < AGREE_MS) return exact;
  }
  return BigInt(Math.round(ms * 1000)) * 1000n;
}
