import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { EntryInfo } from '../location';
import { joinRelative } from '../relative-path';
import { fromUserMetadata } from './s3-metadata';

/**
 * The entry for a file (its object) or a folder (its marker, null when it has none), with the
 * metadata stored in user metadata; LastModified where no mtime was stored. Never throws.
 */
export function entryFromHead(
  type: 'file' | 'dir',
  path: string,
  head: HeadObjectCommandOutput | null,
): EntryInfo {
  const stored = fromUserMetadata(head?.Metadata);
  return {
    path,
    type,
    size: type === 'file' ? (head?.ContentLength ?? 0) : 0,
    mtimeMs: stored.mtimeMs ?? head?.LastModified?.getTime() ?? 0,
    ...(stored.atimeMs !== undefined && { atimeMs: stored.atimeMs }),
    ...(stored.mode !== undefined && { mode: stored.mode }),
    ...(stored.uid !== undefined && { uid: stored.uid }),
    ...(stored.gid !== undefined && { gid: stored.gid }),
  };
}

/**
 * A listed key whose name cannot be a file name anywhere: an inert entry (type 'other', a
 * quoted stand-in name that is never followed) that the engine reports and skips.
 */
export function problemEntry(
  folder: string,
  name: string,
  key: string,
  problem: string,
): EntryInfo {
  return {
    path: joinRelative(folder, JSON.stringify(name)),
    type: 'other',
    size: 0,
    mtimeMs: 0,
    // JSON quoting: a NUL or control character in the key is escaped, not printed.
    problem: `object key ${JSON.stringify(key)} cannot be a file name: it has ${problem}`,
  };
}
