import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { EntryInfo } from '../location';
import { joinRelative } from '../relative-path';
import type { ListedObject } from './s3-listing';
import { fromUserMetadata, type StoredMetadata } from './s3-metadata';

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
    ...(type === 'file' && head?.ETag !== undefined && { etag: head.ETag }),
  };
}

/**
 * The entry for a listed object, from the listing alone: size, ETag, and LastModified as its
 * mtime. With `stored` (what DataFerry wrote to this very version, written-index.ts) the entry is
 * complete; without, it is pending (metadataPending) until loadMetadata or a read fills it in.
 * Never throws.
 */
export function entryFromListing(
  path: string,
  listed: ListedObject,
  stored?: StoredMetadata,
): EntryInfo {
  const base: EntryInfo = {
    path,
    type: 'file',
    size: listed.size,
    mtimeMs: listed.lastModifiedMs ?? 0,
    ...(listed.etag !== undefined && { etag: listed.etag }),
  };
  if (!stored) return { ...base, metadataPending: true };
  return {
    ...base,
    mtimeMs: stored.mtimeMs ?? base.mtimeMs,
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
