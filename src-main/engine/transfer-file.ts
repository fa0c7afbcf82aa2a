import { Readable } from 'node:stream';
import { AppError } from '../../src-shared/errors';
import type { TaskOptions } from '../../src-shared/model/task';
import type { Location, ReadStreamMetadata } from '../locations/location';
import { hasHoles } from '../locations/holes';
import { createContentHasher, hashBytes, type ContentHashAlgorithm } from './content-hash';
import { metadataFor } from './metadata-policy';
import { securityToCopy } from './security-copy';
import type { PlanItem } from './plan';
import type { SharedTokenBucket } from './throttle';

export interface ItemContext {
  source: Location;
  destination: Location;
  options: TaskOptions;
  bucket: SharedTokenBucket;
  hashAlgorithm: ContentHashAlgorithm;
  signal: AbortSignal;
  /** Bytes read from the source for this item, as they pass (for progress). */
  onBytes(bytes: number): void;
}

export interface ItemOutcome {
  /** Bytes written at the destination. */
  bytes: number;
  /** The source content's hash, computed on the fly, for files. */
  sourceHash: string | null;
  /** The destination's own checksum of what it stored, when the write answered one. */
  destinationHash?: string | null;
}

/**
 * Carries out one plan item that moves data or metadata: copy/update (streamed, hashed on the
 * fly, throttled, written atomically with its metadata), symlink, or meta. A source that changes
 * while it is read fails with `changed-during-transfer` before anything appears under the final
 * name. Throws AppError.
 */
export async function executeItem(planned: PlanItem, ctx: ItemContext): Promise<ItemOutcome> {
  const item = await withMetadataForServerSideCopy(planned, ctx);
  const metadata = metadataFor(
    item,
    ctx.options,
    ctx.source.capabilities,
    ctx.destination.capabilities,
  );
  if (item.action !== 'symlink') {
    const security = await securityToCopy(
      item.path,
      ctx.options,
      ctx.source,
      ctx.destination,
      ctx.signal,
    );
    if (security) metadata.securityDescriptor = security;
  }
  switch (item.action) {
    case 'copy':
    case 'update': {
      const tags = await tagsToCopy(item, ctx);
      return (
        (await copyServerSide(item, ctx, metadata, tags)) ?? copyFile(item, ctx, metadata, tags)
      );
    }
    case 'symlink':
      if (item.action === 'symlink' && item.linkTarget !== undefined) {
        await ctx.destination.remove(item.path, ctx.signal).catch((error: unknown) => {
          if (!(error instanceof AppError && error.code === 'not-found')) throw error;
        });
        await ctx.destination.symlink(item.path, item.linkTarget, ctx.signal);
        // The link's own times and owner (a link has no mode of its own on Linux).
        const { mode: _mode, ...linkMetadata } = metadata;
        await ctx.destination.setMetadata(item.path, linkMetadata, ctx.signal);
      }
      return { bytes: 0, sourceHash: null };
    case 'meta':
      await ctx.destination.setMetadata(item.path, metadata, ctx.signal);
      return { bytes: 0, sourceHash: null };
    default:
      throw new AppError('invalid-input', `Not a transfer action: ${item.action}`);
  }
}

/**
 * A plan item whose stored metadata PREPARING did not load (metadataPending: S3 listings answer
 * size and ETag only) gets it from the read's own answer (copyFile); only a server-side copy,
 * which reads nothing, asks for it first. Server-side copies are between locations of one kind.
 */
async function withMetadataForServerSideCopy(item: PlanItem, ctx: ItemContext): Promise<PlanItem> {
  if (!item.metadataPending || !ctx.source.loadMetadata) return item;
  if (!ctx.destination.copyFrom || ctx.destination.kind !== ctx.source.kind) return item;
  const loaded = await ctx.source.loadMetadata(item, ctx.signal);
  if (!loaded)
    throw new AppError('not-found', `Source file is gone: ${item.path}`, { path: item.path });
  const { metadataPending: _pending, ...rest } = item;
  return { ...rest, ...loaded, action: item.action };
}

/** The metadata to write, with what the read answered for an item PREPARING left pending. */
function metadataAfterRead(
  item: PlanItem,
  ctx: ItemContext,
  metadata: ReturnType<typeof metadataFor>,
  reader: Readable,
): ReturnType<typeof metadataFor> {
  const stored = (reader as Readable & ReadStreamMetadata).storedMetadata;
  if (!item.metadataPending || !stored) return metadata;
  const { securityDescriptor } = metadata;
  // A time the listing did not give (mtimeUnknown) is known once the read answered one.
  const { mtimeUnknown: _unknown, ...known } = item;
  return {
    ...metadataFor(
      { ...(stored.mtimeMs === undefined ? item : known), ...stored },
      ctx.options,
      ctx.source.capabilities,
      ctx.destination.capabilities,
    ),
    ...(securityDescriptor && { securityDescriptor }),
  };
}

/**
 * ObjectTags=PRESERVE between two stores that keep tags: the source object's tags, to be set on
 * the copy. Undefined otherwise (the copy gets none).
 */
async function tagsToCopy(
  item: PlanItem,
  ctx: ItemContext,
): Promise<Record<string, string> | undefined> {
  if (ctx.options.ObjectTags !== 'PRESERVE' || !ctx.destination.capabilities.objectTags) {
    return undefined;
  }
  if (!ctx.source.capabilities.objectTags || !ctx.source.tags) return undefined;
  return ctx.source.tags(item.path, ctx.signal);
}

/**
 * Source unchanged since PREPARING? Checked before a copy gets its final name, so a half-old
 * file never does. Throws AppError('changed-during-transfer').
 */
async function assertUnchanged(
  item: PlanItem,
  ctx: ItemContext,
  bytesSeen: number,
  checkedAtOpen = false,
): Promise<void> {
  // A snapshot read checked the version when it opened: the byte count is all that is left.
  const after =
    checkedAtOpen && bytesSeen === item.size ? item : await ctx.source.stat(item.path, ctx.signal);
  if (
    bytesSeen !== item.size ||
    after.size !== item.size ||
    Math.abs(after.mtimeMs - item.mtimeMs) >= 1
  ) {
    throw new AppError(
      'changed-during-transfer',
      `Source file changed while it was being copied: ${item.path} (size ${item.size} -> ${after.size}, read ${bytesSeen} bytes)`,
      { path: item.path },
    );
  }
}

/**
 * Server-side copy where the pair of locations has one and no bandwidth limit applies (the
 * limit must hold for every byte, so limited transfers stream). The source is hashed and
 * checked for changes while it is copied, and the copy is committed only if it did not change.
 * Null when the locations cannot copy server-side.
 */
async function copyServerSide(
  item: PlanItem,
  ctx: ItemContext,
  metadata: ReturnType<typeof metadataFor>,
  tags: Record<string, string> | undefined,
): Promise<ItemOutcome | null> {
  if (!ctx.destination.copyFrom || ctx.bucket.rate > 0) return null;
  // The kernel's and servers' copies write a source's holes as zeros (copy_file_range on ext4,
  // COPYCHUNK): a file with holes streams, and the write leaves them out (keepsHoles).
  if (keepHoles(item, ctx)) return null;
  let sourceHash: string | null = null;
  const bytes = await ctx.destination.copyFrom(
    ctx.source,
    item.path,
    {
      size: item.size,
      metadata,
      tags,
      // Hashing the source while the kernel copies it: the run takes the time of the slower.
      alongside: async () => {
        sourceHash = await contentHash(ctx.source, item.path, ctx.hashAlgorithm, ctx.signal);
        await assertUnchanged(item, ctx, item.size);
      },
    },
    ctx.signal,
  );
  if (bytes === null) return null;
  ctx.onBytes(bytes);
  return { bytes, sourceHash };
}

/** Files up to this size are read whole, then written: no stream plumbing between the two. */
const WHOLE_FILE_MAX_BYTES = 1024 * 1024;

/**
 * A small file: read it whole (holding at most 1 MiB), hash and check it, then write it in one
 * piece. Per-file overhead is what counts for small files, and this path has the least.
 */
async function copySmallFile(
  item: PlanItem,
  ctx: ItemContext,
  metadata: ReturnType<typeof metadataFor>,
  tags: Record<string, string> | undefined,
  reader: Readable,
  hash: Awaited<ReturnType<typeof createContentHasher>>,
): Promise<ItemOutcome> {
  const chunks: Buffer[] = [];
  let read = 0;
  try {
    for await (const chunk of reader as AsyncIterable<Buffer>) {
      read += chunk.length;
      // The file grew past what a small file may hold: stop, it changed since PREPARING.
      if (read > WHOLE_FILE_MAX_BYTES) break;
      chunks.push(chunk);
    }
  } finally {
    reader.destroy();
  }
  await assertUnchanged(item, ctx, read, ctx.source.capabilities.snapshotReads);
  const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  await ctx.bucket.take(data.length, ctx.signal);
  hash.update(data);
  ctx.onBytes(data.length);
  let destinationHash: string | null = null;
  const bytes = await ctx.destination.write(
    item.path,
    Readable.from([data], { objectMode: false }),
    { size: data.length, metadata, tags, onStored: (h) => void (destinationHash = h) },
    ctx.signal,
  );
  return { bytes, sourceHash: hash.digest(), destinationHash };
}

/**
 * A small file between two locations that read and write whole files: one buffer, no stream,
 * the version checked by the read itself. Per-file overhead is what counts for small files.
 */
async function copyWholeFile(
  item: PlanItem,
  ctx: ItemContext,
  metadata: ReturnType<typeof metadataFor>,
  tags: Record<string, string> | undefined,
  source: Required<Pick<Location, 'readWhole'>>,
  destination: Required<Pick<Location, 'writeWhole'>>,
): Promise<ItemOutcome> {
  const data = await source.readWhole(
    item.path,
    { expect: { size: item.size, mtimeMs: item.mtimeMs } },
    ctx.signal,
  );
  await ctx.bucket.take(data.length, ctx.signal);
  const sourceHash = await hashBytes(ctx.hashAlgorithm, data);
  ctx.onBytes(data.length);
  let destinationHash: string | null = null;
  const bytes = await destination.writeWhole(
    item.path,
    data,
    { size: data.length, metadata, tags, onStored: (h) => void (destinationHash = h) },
    ctx.signal,
  );
  return { bytes, sourceHash, destinationHash };
}

async function copyFile(
  item: PlanItem,
  ctx: ItemContext,
  plannedMetadata: ReturnType<typeof metadataFor>,
  tags: Record<string, string> | undefined,
): Promise<ItemOutcome> {
  const { signal } = ctx;
  const { readWhole } = ctx.source;
  const { writeWhole } = ctx.destination;
  // readWhole answers bytes only: an item whose metadata comes with the read streams.
  if (item.size <= WHOLE_FILE_MAX_BYTES && readWhole && writeWhole && !item.metadataPending) {
    const source = { readWhole: readWhole.bind(ctx.source) };
    const destination = { writeWhole: writeWhole.bind(ctx.destination) };
    return copyWholeFile(item, ctx, plannedMetadata, tags, source, destination);
  }
  const snapshot = ctx.source.capabilities.snapshotReads;
  const expect = {
    size: item.size,
    mtimeMs: item.mtimeMs,
    ...(item.etag !== undefined && { etag: item.etag }),
    ...(item.metadataPending && { metadataPending: true }),
  };
  const reader = await ctx.source.read(
    item.path,
    { sizeHint: item.size, ...(snapshot && { expect }) },
    signal,
  );
  const metadata = metadataAfterRead(item, ctx, plannedMetadata, reader);
  const hash = await createContentHasher(ctx.hashAlgorithm);
  if (item.size <= WHOLE_FILE_MAX_BYTES)
    return copySmallFile(item, ctx, metadata, tags, reader, hash);
  let read = 0;
  async function* pump(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of reader as AsyncIterable<Buffer>) {
        await ctx.bucket.take(chunk.length, signal);
        hash.update(chunk);
        read += chunk.length;
        ctx.onBytes(chunk.length);
        yield chunk;
      }
    } finally {
      reader.destroy();
    }
    // Checked before the write completes, so a half-old file never gets the final name.
    await assertUnchanged(item, ctx, read, ctx.source.capabilities.snapshotReads);
  }
  let destinationHash: string | null = null;
  // Chunks the destination has written go back to the source (NFS reuses their reply buffers).
  const release = (reader as Readable & ReadStreamMetadata).releaseChunk?.bind(reader);
  const bytes = await ctx.destination.write(
    item.path,
    Readable.from(pump(), { objectMode: false }),
    {
      size: item.size,
      metadata,
      tags,
      onStored: (h) => void (destinationHash = h),
      ...(keepHoles(item, ctx) && { sparse: true }),
      ...(release && { onChunkWritten: release }),
    },
    signal,
  );
  return { bytes, sourceHash: hash.digest(), destinationHash };
}

/** A source file with holes, to a destination that can keep them. */
function keepHoles(item: PlanItem, ctx: ItemContext): boolean {
  return hasHoles(item) && ctx.destination.capabilities.keepsHoles === true;
}

/**
 * The content hash of a file ("algorithm:hex"): the store's own when it keeps this algorithm,
 * else read. Throws AppError.
 */
export async function contentHash(
  location: Location,
  path: string,
  algorithm: ContentHashAlgorithm,
  signal: AbortSignal,
  size?: number,
  asWritten?: AsWritten,
): Promise<string> {
  if (asWritten && location.capabilities.keepsBytesAsWritten) {
    const known = await hashAsWritten(location, path, signal, size, asWritten);
    if (known) return known;
  }
  const stored = location.capabilities.storedHashes.includes(algorithm)
    ? await location.storedHash(path, algorithm, signal)
    : null;
  if (stored) return `${algorithm}:${stored}`;
  const hash = await createContentHasher(algorithm);
  const stream = await location.read(path, { sizeHint: size }, signal);
  const release = (stream as Readable & ReadStreamMetadata).releaseChunk?.bind(stream);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    release?.(chunk);
  }
  return hash.digest();
}

/** What VERIFYING knows of a file it wrote: the hash of the bytes written, the mtime it set. */
export interface AsWritten {
  hash: string;
  /** The mtime the write set (Mtime PRESERVE). */
  mtimeMs: number;
}

/**
 * On a store that keeps the bytes handed to it (capabilities.keepsBytesAsWritten), the hash of
 * what was written is the file's as long as the file is still the one written: same size, and
 * the mtime the write set. Reading it back would only return the page cache's copy of the same
 * buffers. Null when the file is not as written (changed since, or retried as a newer version):
 * the caller then reads it back. Throws what stat throws.
 */
async function hashAsWritten(
  location: Location,
  path: string,
  signal: AbortSignal,
  size: number | undefined,
  asWritten: AsWritten,
): Promise<string | null> {
  const now = await location.stat(path, signal);
  const sameSize = size === undefined || now.size === size;
  const sameTime = Math.abs(now.mtimeMs - asWritten.mtimeMs) < 1;
  return now.type === 'file' && sameSize && sameTime ? asWritten.hash : null;
}
