import { AppError, type ErrorCode } from '../../../src-shared/errors';
import type { EntryInfo } from '../../locations/location';
import type { PathFilter } from '../filters';
import type { RunContext } from '../run-context';
import type { TransferRunner } from '../transfer-runner';
import { compareTreePaths } from '../tree-order';
import { walkTree } from '../tree-walk';
import { toAppError } from './transfer';

const NAMED_IN_MESSAGE = 10;

/**
 * VERIFYING, by VerifyMode. ONLY_FILES_TRANSFERRED: each file moved in this run is checked at the
 * destination (the store's own hash where it keeps one, else read back) against the hash taken
 * while it was read at the source. POINT_IN_TIME_CONSISTENT: both trees are walked again and
 * every file compared (presence, type, size, mtime, content). NONE: nothing. Hashing runs on the
 * transfer runner, as many files at once as it transfers.
 * Throws AppError('checksum-mismatch') naming the files when anything differs.
 */
export async function verify(
  ctx: RunContext,
  filter: PathFilter,
  runner: TransferRunner,
): Promise<void> {
  const mismatches: string[] = [];
  const pool = new BoundedPool(runner.queueDepth);
  if (ctx.options.VerifyMode === 'ONLY_FILES_TRANSFERRED')
    await verifyTransferred(ctx, runner, pool, mismatches);
  if (ctx.options.VerifyMode === 'POINT_IN_TIME_CONSISTENT')
    await verifyEverything(ctx, filter, runner, pool, mismatches);
  await pool.drain();
  ctx.flushReport();
  if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
  if (mismatches.length > 0) {
    mismatches.sort();
    const named = mismatches.slice(0, NAMED_IN_MESSAGE).join(', ');
    const more =
      mismatches.length > NAMED_IN_MESSAGE
        ? ` and ${mismatches.length - NAMED_IN_MESSAGE} more`
        : '';
    // A file that could not be read back (the server went away) is not a mismatch: say why.
    const first = ctx.firstFailure;
    const cause =
      first && first.code !== 'checksum-mismatch' ? ` (${first.path}: ${first.message})` : '';
    throw new AppError(
      first && first.code !== 'checksum-mismatch' ? first.code : 'checksum-mismatch',
      `Verification failed for ${mismatches.length} file(s): ${named}${more}${cause}`,
      {
        files: mismatches.slice(0, 100),
      },
    );
  }
}

/** Runs at most `limit` tasks at once; `add` waits for a free place. */
class BoundedPool {
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    const promise: Promise<void> = task().finally(() => this.running.delete(promise));
    this.running.add(promise);
    if (this.running.size >= this.limit) await Promise.race(this.running);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
  }
}

async function verifyTransferred(
  ctx: RunContext,
  runner: TransferRunner,
  pool: BoundedPool,
  mismatches: string[],
): Promise<void> {
  for (const item of ctx.plan.doneItems(['copy', 'update'])) {
    if (ctx.signal.aborted) break;
    await pool.add(async () => {
      ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'verifying' });
      let destinationHash: string | null = null;
      let problem: string | null = null;
      let code: ErrorCode = 'checksum-mismatch';
      try {
        // A checksum the destination answered on the write itself is its own: no need to ask.
        destinationHash =
          item.storedHash ?? (await runner.hash('destination', item.path, ctx.signal, item.size));
        if (destinationHash !== item.sourceHash)
          problem = 'checksum differs between source and destination';
      } catch (error) {
        const info = toAppError(error);
        problem = info.message;
        code = info.code;
      }
      record(
        ctx,
        item.path,
        item.size,
        item.sourceHash,
        destinationHash,
        problem,
        mismatches,
        code,
      );
    });
  }
}

async function verifyEverything(
  ctx: RunContext,
  filter: PathFilter,
  runner: TransferRunner,
  pool: BoundedPool,
  mismatches: string[],
): Promise<void> {
  const source = walkTree(ctx.source, ctx.signal, { filter });
  const destination = walkTree(ctx.destination, ctx.signal, { filter });
  const removeExtras = ctx.options.PreserveDeletedFiles === 'REMOVE';
  let a = await source.next();
  let b = await destination.next();
  while (!a.done || !b.done) {
    if (ctx.signal.aborted) break;
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
      const src = a.value as EntryInfo;
      const dst = b.value as EntryInfo;
      const problem = metadataProblem(ctx, src, dst);
      if (problem) record(ctx, src.path, src.size, null, null, problem, mismatches);
      else if (src.type === 'file')
        await pool.add(() => compareContent(ctx, runner, src, mismatches));
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

function metadataProblem(ctx: RunContext, src: EntryInfo, dst: EntryInfo): string | null {
  if (src.type !== dst.type) return `a ${src.type} at the source, a ${dst.type} at the destination`;
  if (src.type !== 'file') return null;
  if (src.size !== dst.size)
    return `size ${src.size} at the source, ${dst.size} at the destination`;
  const precision = Math.max(
    ctx.source.capabilities.mtimePrecisionMs,
    ctx.destination.capabilities.mtimePrecisionMs,
    1,
  );
  if (ctx.options.Mtime === 'PRESERVE' && Math.abs(src.mtimeMs - dst.mtimeMs) >= precision) {
    return 'modification times differ';
  }
  return null;
}

async function compareContent(
  ctx: RunContext,
  runner: TransferRunner,
  src: EntryInfo,
  mismatches: string[],
): Promise<void> {
  try {
    const [sourceHash, destinationHash] = await Promise.all([
      runner.hash('source', src.path, ctx.signal, src.size),
      runner.hash('destination', src.path, ctx.signal, src.size),
    ]);
    const problem =
      sourceHash === destinationHash ? null : 'checksum differs between source and destination';
    record(ctx, src.path, src.size, sourceHash, destinationHash, problem, mismatches);
  } catch (error) {
    const info = toAppError(error);
    record(ctx, src.path, src.size, null, null, info.message, mismatches, info.code);
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
  errorCode: ErrorCode = 'checksum-mismatch',
): void {
  if (ctx.signal.aborted) return;
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
      errorCode,
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
