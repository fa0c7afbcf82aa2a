import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { EntryInfo } from '../location';
import { joinRelative } from '../relative-path';
import type { ListedObject } from './s3-listing';
import { fromUserMetadata, type StoredMetadata } from './s3-metadata';

/**
 * The entry for a file (its object) or a folder (its marker, null when it has none), with the
 * metadata stored in user metadata; LastModified where no mtime was stored. A folder without a
 * marker (keys written by other tools) has no time at all: mtimeUnknown, never 1970.
 * Never throws.
 */
export function entryFromHead(
  type: 'file' | 'dir',
  path: string,
  head: HeadObjectCommandOutput | null,
): EntryInfo {
  const stored = fromUserMetadata(head?.Metadata);
  const lastModified = head?.LastModified?.getTime();
  const entry: EntryInfo = {
    path,
    type,
    size: type === 'file' ? (head?.ContentLength ?? 0) : 0,
    mtimeMs: 0,
    ...withStored(stored),
    ...(type === 'file' && head?.ETag !== undefined && { etag: head.ETag }),
  };
  if (stored.mtimeMs === undefined) {
    if (lastModified === undefined) entry.mtimeUnknown = true;
    else entry.mtimeMs = objectTime(lastModified);
  }
  return entry;
}

/**
 * The time of an object without a stored mtime: its LastModified to the second. Headers (HEAD,
 * GET) give it to the second and some listings to the millisecond (fauxqs; Amazon's are
 * always .000): both must name the same time, or a re-run would see a change.
 */
export function objectTime(lastModifiedMs: number): number {
  return Math.floor(lastModifiedMs / 1000) * 1000;
}

/** The stored fields, as EntryInfo fields (absent ones left out). */
function withStored(stored: StoredMetadata): Partial<EntryInfo> {
  return {
    ...(stored.mtimeMs !== undefined && { mtimeMs: stored.mtimeMs }),
    ...(stored.mtimeNs !== undefined && { mtimeNs: stored.mtimeNs }),
    ...(stored.atimeMs !== undefined && { atimeMs: stored.atimeMs }),
    ...(stored.atimeNs !== undefined && { atimeNs: stored.atimeNs }),
    ...(stored.mode !== undefined && { mode: stored.mode }),
    ...(stored.uid !== undefined && { uid: stored.uid }),
    ...(stored.gid !== undefined && { gid: stored.gid }),
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
    mtimeMs: 0,
    ...(listed.etag !== undefined && { etag: listed.etag }),
  };
  // A listing without LastModified (a server that left it out) gives no time: none is invented.
  if (listed.lastModifiedMs === undefined) base.mtimeUnknown = true;
  else base.mtimeMs = objectTime(listed.lastModifiedMs);
  if (!stored) return { ...base, metadataPending: true };
  if (stored.mtimeMs === undefined) return { ...base, ...withStored(stored) };
  const { mtimeUnknown: _unknown, ...known } = base;
  return { ...known, ...withStored(stored) };
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
    mtimeUnknown: true,
    // JSON quoting: a NUL or control character in the key is escaped, not printed.
    problem: `object key ${JSON.stringify(key)} cannot be a file name: it has ${problem}`,
  };
}
