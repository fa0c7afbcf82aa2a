import { randomBytes } from 'node:crypto';

/*
 * Writes go to a temporary name in the destination folder, then are renamed. The names share a
 * prefix and suffix so listings can leave them out and a later run can clean up after a crash.
 */
const PREFIX = '.dataferry-';
const SUFFIX = '.partial';

/** A fresh temporary name (short, so it fits wherever the final name fits). */
export function temporaryName(): string {
  return `${PREFIX}${randomBytes(8).toString('hex')}${SUFFIX}`;
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
}
