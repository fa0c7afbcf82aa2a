import { createHash } from 'node:crypto';
import { AppError } from '../../../src-shared/errors';
import type { EntryInfo, Location } from '../../locations/location';
import type { PathFilter } from '../filters';
import type { RunContext } from '../run-context';
import { compareTreePaths } from '../tree-order';
import { walkTree } from '../tree-walk';
import { CONTENT_HASH } from '../transfer-file';
import { toAppError } from './transfer';

const NAMED_IN_MESSAGE = 10;

/**
 * VERIFYING, by VerifyMode. ONLY_FILES_TRANSFERRED: each file moved in this run is checked at the
 * destination (the store's own hash where it keeps one, else read back) against the hash taken
 * while it was read at the source. POINT_IN_TIME_CONSISTENT: both trees are walked again and
 * every file compared (presence, type, size, mtime, content). NONE: nothing.
 * Throws AppError('checksum-mismatch') naming the files when anything differs.
 */
export async function verify(ctx: RunContext, filter: PathFilter): Promise<void> {
  const mismatches: string[] = [];
  if (ctx.options.VerifyMode === 'ONLY_FILES_TRANSFERRED') await verifyTransferred(ctx, mismatches);
  if (ctx.options.VerifyMode === 'POINT_IN_TIME_CONSISTENT')
    await verifyEverything(ctx, filter, mismatches);
  ctx.flushReport();
  if (mismatches.length > 0) {
    const named = mismatches.slice(0, NAMED_IN_MESSAGE).join(', ');
    const more =
      mismatches.length > NAMED_IN_MESSAGE
        ? ` and ${mismatches.length - NAMED_IN_MESSAGE} more`
        : '';
    throw new AppError(
      'checksum-mismatch',
      `Verification failed for ${mismatches.length} file(s): ${named}${more}`,
      {
        files: mismatches.slice(0, 100),
      },
    );
  }
}

async function verifyTransferred(ctx: RunContext, mismatches: string[]): Promise<void> {
  for (const item of ctx.plan.doneItems(['copy', 'update'])) {
    if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
    ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'verifying' });
    let destinationHash: string | null = null;
    let problem: string | null = null;
    try {
      destinationHash = await contentHash(ctx.destination, item.path, ctx);
      if (destinationHash !== item.sourceHash)
        problem = 'checksum differs between source and destination';
    } catch (error) {
      problem = toAppError(error).message;
    }
    record(ctx, item.path, item.size, item.sourceHash, destinationHash, problem, mismatches);
  }
}

async function verifyEverything(
  ctx: RunContext,
  filter: PathFilter,
  mismatches: string[],
): Promise<void> {
  const source = walkTree(ctx.source, ctx.signal, { filter });
  const destination = walkTree(ctx.destination, ctx.signal, { filter });
  const removeExtras = ctx.options.PreserveDeletedFiles === 'REMOVE';
  let a = await source.next();
  let b = await destination.next();
  while (!a.done || !b.done) {
    if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
    const order = a.done ? 1 : b.done ? -1 : compareTreePaths(a.value.path, b.value.path);
    if (order < 0) {
      const src = a.value as EntryInfo;
      if (expectedAtDestination(src, ctx))
        record(ctx, src.path, src.size, null, null, 'missing at the destination', mismatches);
      a = await source.next();
    } else if (order > 0) {
      const dst = b.value as EntryInfo;
      if (removeExtras)
        record(
          ctx,
          dst.path,
          dst.size,
          null,
          null,
          'at the destination but not at the source',
          mismatches,
        );
      b = await destination.next();
    } else {
      await compareEntries(ctx, a.value as EntryInfo, b.value as EntryInfo, mismatches);
      a = await source.next();
      b = await destination.next();
    }
  }
}

function expectedAtDestination(entry: EntryInfo, ctx: RunContext): boolean {
  if (entry.type === 'other') return false;
  if (entry.type === 'symlink') return ctx.destination.capabilities.symlinks;
  return true;
}

async function compareEntries(
  ctx: RunContext,
  src: EntryInfo,
  dst: EntryInfo,
  mismatches: string[],
): Promise<void> {
  if (src.type !== dst.type) {
    return record(
      ctx,
      src.path,
      src.size,
      null,
      null,
      `a ${src.type} at the source, a ${dst.type} at the destination`,
      mismatches,
    );
  }
  if (src.type !== 'file') return;
  const precision = Math.max(
    ctx.source.capabilities.mtimePrecisionMs,
    ctx.destination.capabilities.mtimePrecisionMs,
    1,
  );
  if (src.size !== dst.size)
    return record(
      ctx,
      src.path,
      src.size,
      null,
      null,
      `size ${src.size} at the source, ${dst.size} at the destination`,
      mismatches,
    );
  if (ctx.options.Mtime === 'PRESERVE' && Math.abs(src.mtimeMs - dst.mtimeMs) >= precision) {
    return record(ctx, src.path, src.size, null, null, 'modification times differ', mismatches);
  }
  try {
    const [sourceHash, destinationHash] = await Promise.all([
      contentHash(ctx.source, src.path, ctx),
      contentHash(ctx.destination, dst.path, ctx),
    ]);
    record(
      ctx,
      src.path,
      src.size,
      sourceHash,
      destinationHash,
      sourceHash === destinationHash ? null : 'checksum differs between source and destination',
      mismatches,
    );
  } catch (error) {
    record(ctx, src.path, src.size, null, null, toAppError(error).message, mismatches);
  }
}

function record(
  ctx: RunContext,
  path: string,
  size: number,
  sourceChecksum: string | null,
  destinationChecksum: string | null,
  problem: string | null,
  mismatches: string[],
): void {
  if (problem) {
    mismatches.push(path);
    ctx.counters.FilesFailed++;
    ctx.progress.file({ path, size, bytesDone: 0, state: 'failed' });
    ctx.report({
      path,
      action: 'failed',
      size,
      sourceChecksum,
      destinationChecksum,
      detail: `verification: ${problem}`,
      errorCode: 'checksum-mismatch',
    });
    ctx.logAlways('error', `Verification failed for ${path}: ${problem}`);
    return;
  }
  ctx.counters.FilesVerified++;
  ctx.counters.BytesVerified += size;
  ctx.progress.file({ path, size, bytesDone: size, state: 'done' });
  ctx.report({
    path,
    action: 'verified',
    size,
    sourceChecksum,
    destinationChecksum,
    detail: null,
    errorCode: null,
  });
}

/** The content hash of a file: the store's own when it keeps one, else read back. */
export async function contentHash(
  location: Location,
  path: string,
  ctx: RunContext,
): Promise<string> {
  const stored = location.capabilities.storedHashes.includes(CONTENT_HASH)
    ? await location.storedHash(path, CONTENT_HASH, ctx.signal)
    : null;
  if (stored) return stored;
  const hash = createHash(CONTENT_HASH);
  const stream = await location.read(path, {}, ctx.signal);
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}
