import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';

/*
 * Writes go to a temporary name in the destination folder, then are renamed. The names share a
 * prefix and suffix so listings can leave them out and a later run can clean up after a crash.
 */
const PREFIX = '.dataferry-';
const SUFFIX = '.partial';

/**
 * Random once per thread, then counted: unique across threads and processes (the random part)
 * without asking the kernel for randomness per file (that was 3% of a small-file copy).
 */
const threadToken = `${randomBytes(6).toString('hex')}${threadId.toString(36)}`;
let counter = 0;

/** A fresh temporary name (short, so it fits wherever the final name fits). */
export function temporaryName(): string {
  return `${PREFIX}${threadToken}-${(counter++).toString(36)}${SUFFIX}`;
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
}
