import { AppError, type ErrorCode } from '../../../src-shared/errors';
import type { EntryInfo } from '../../locations/location';
import type { PathFilter } from '../filters';
import type { RunContext } from '../run-context';
import type { AsWritten } from '../transfer-file';
import type { StoredPlanItem } from '../plan-store';
import type { TransferRunner } from '../transfer-runner';
import {
  BATCH_MAX_REQUESTS,
  fitsGroup,
  groupRunnerOf,
  type GroupRunner,
  type HashRequest,
} from '../worker-protocol';
import { compareTreePaths } from '../tree-order';
import { walkTree } from '../tree-walk';
import { InFlight, toAppError } from './transfer';

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
  const failures = new VerifyFailures();
  const pool = new InFlight(runner.queueDepth);
  if (ctx.options.VerifyMode === 'ONLY_FILES_TRANSFERRED')
    await verifyTransferred(ctx, runner, pool, failures);
  if (ctx.options.VerifyMode === 'POINT_IN_TIME_CONSISTENT')
    await verifyEverything(ctx, filter, runner, pool, failures);
  await pool.drain();
  ctx.flushReport();
  if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
  if (failures.count > 0) throw failures.error(ctx);
}

/** The files VERIFYING failed: those that differ, and those it could not read back. */
class VerifyFailures {
  private readonly differ: string[] = [];
  private readonly unread: string[] = [];

  get count(): number {
    return this.differ.length + this.unread.length;
  }

  add(path: string, code: ErrorCode): void {
    (code === 'checksum-mismatch' ? this.differ : this.unread).push(path);
  }

  /**
   * What ends the run: checksum-mismatch naming the files that differ; when none differs but
   * some could not be read back (the server went away), the run's first failure leads with its
   * own code and cause, so files that are fine are not called bad.
   */
  error(ctx: RunContext): AppError {
    const differ = [...this.differ].sort();
    const unread = [...this.unread].sort();
    const details = { files: [...differ, ...unread].slice(0, 100) };
    if (differ.length > 0) {
      const also = unread.length ? `; ${unread.length} more could not be read back` : '';
      return new AppError(
        'checksum-mismatch',
        `Verification failed for ${differ.length} file(s): ${named(differ)}${also}`,
        details,
      );
    }
    const first = ctx.firstFailure;
    const cause = first ? `${first.path}: ${first.message}; ` : '';
    return new AppError(
      first?.code ?? 'unknown',
      `${cause}${unread.length} transferred file(s) could not be read back to verify them: ${named(unread)}`,
      details,
    );
  }
}

function named(paths: string[]): string {
  const more = paths.length - NAMED_IN_MESSAGE;
  return paths.slice(0, NAMED_IN_MESSAGE).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

async function verifyTransferred(
  ctx: RunContext,
  runner: TransferRunner,
  pool: InFlight,
  failures: VerifyFailures,
): Promise<void> {
  const grouped = groupRunnerOf(runner);
  const groups = grouped ? new InFlight(grouped.groupsInFlight) : null;
  let group: DoneItem[] = [];
  for (const item of ctx.plan.doneItems(['copy', 'update'])) {
    if (ctx.signal.aborted) break;
    // A checksum the destination answered on the write itself is its own: no need to ask.
    if (item.storedHash !== null) {
      ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'verifying' });
      checked(ctx, item, item.storedHash, failures);
      continue;
    }
    if (grouped && groups && fitsGroup(item)) {
      group.push(item);
      if (group.length >= BATCH_MAX_REQUESTS) {
        await groups.add(verifyGroup(ctx, grouped, group, failures));
        group = [];
      }
      continue;
    }
    await pool.add(verifyOne(ctx, runner, item, failures));
  }
  if (grouped && groups && group.length > 0 && !ctx.signal.aborted)
    await groups.add(verifyGroup(ctx, grouped, group, failures));
  await groups?.drain();
}

type DoneItem = StoredPlanItem & { sourceHash: string | null; storedHash: string | null };

/** One file's check through the runner: its own job and answer (large files, inline runners). */
async function verifyOne(
  ctx: RunContext,
  runner: TransferRunner,
  item: DoneItem,
  failures: VerifyFailures,
): Promise<void> {
  ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'verifying' });
  try {
    const hash = await runner.hash(
      'destination',
      item.path,
      ctx.signal,
      item.size,
      asWritten(ctx, item),
    );
    checked(ctx, item, hash, failures);
  } catch (error) {
    const info = toAppError(error);
    record(ctx, item.path, item.size, item.sourceHash, null, info.message, failures, info.code);
  }
}

/** Small files' checks in one message to a thread and one answer. Never rejects. */
async function verifyGroup(
  ctx: RunContext,
  runner: GroupRunner,
  items: DoneItem[],
  failures: VerifyFailures,
): Promise<void> {
  const requests: HashRequest[] = items.map((item) => {
    ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'verifying' });
    const written = asWritten(ctx, item);
    return {
      side: 'destination',
      path: item.path,
      size: item.size,
      ...(written && { asWritten: written }),
    };
  });
  const answers = await runner.hashGroup(requests, ctx.signal);
  for (const [i, item] of items.entries()) {
    const answer = answers[i];
    if (answer && 'hash' in answer) checked(ctx, item, answer.hash, failures);
    else {
      const error =
        answer && 'error' in answer
          ? answer.error
          : { code: 'unknown' as const, message: `${item.path}: the transfer thread gave no hash` };
      record(ctx, item.path, item.size, item.sourceHash, null, error.message, failures, error.code);
    }
  }
}

/** Records a transferred file's check: verified when the destination's hash is the source's. */
function checked(
  ctx: RunContext,
  item: DoneItem,
  destinationHash: string,
  failures: VerifyFailures,
): void {
  const problem =
    destinationHash === item.sourceHash ? null : 'checksum differs between source and destination';
  record(ctx, item.path, item.size, item.sourceHash, destinationHash, problem, failures);
}

/**
 * What the transfer knows of a file it wrote: the hash of the bytes handed to the destination
 * and the mtime it set, so a store that keeps bytes as written needs no read-back.
 */
function asWritten(
  ctx: RunContext,
  item: { mtimeMs: number; sourceHash: string | null },
): AsWritten | undefined {
  // Without the mtime it set, a same-size change could pass unseen: those are read back.
  if (item.sourceHash === null || ctx.options.Mtime !== 'PRESERVE') return undefined;
  return { hash: item.sourceHash, mtimeMs: item.mtimeMs };
}

async function verifyEverything(
  ctx: RunContext,
  filter: PathFilter,
  runner: TransferRunner,
  pool: InFlight,
  failures: VerifyFailures,
): Promise<void> {
  // Name clashes were reported as failed by PREPARING: not expected at the destination.
  const caseInsensitive = !ctx.destination.capabilities.caseSensitive;
  const source = walkTree(ctx.source, ctx.signal, { filter, caseInsensitive });
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
        record(ctx, src.path, src.size, null, null, 'missing at the destination', failures);
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
          failures,
        );
      b = await destination.next();
    } else {
      const src = a.value as EntryInfo;
      const dst = b.value as EntryInfo;
      const problem = metadataProblem(ctx, src, dst);
      if (problem) record(ctx, src.path, src.size, null, null, problem, failures);
      else if (src.type === 'file') await pool.add(compareContent(ctx, runner, src, failures));
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
  const timeKnown = !src.mtimeUnknown && !dst.mtimeUnknown;
  if (
    ctx.options.Mtime === 'PRESERVE' &&
    timeKnown &&
    Math.abs(src.mtimeMs - dst.mtimeMs) >= precision
  ) {
    return 'modification times differ';
  }
  return null;
}

async function compareContent(
  ctx: RunContext,
  runner: TransferRunner,
  src: EntryInfo,
  failures: VerifyFailures,
): Promise<void> {
  try {
    const [sourceHash, destinationHash] = await Promise.all([
      runner.hash('source', src.path, ctx.signal, src.size),
      runner.hash('destination', src.path, ctx.signal, src.size),
    ]);
    const problem =
      sourceHash === destinationHash ? null : 'checksum differs between source and destination';
    record(ctx, src.path, src.size, sourceHash, destinationHash, problem, failures);
  } catch (error) {
    const info = toAppError(error);
    record(ctx, src.path, src.size, null, null, info.message, failures, info.code);
  }
}

function record(
  ctx: RunContext,
  path: string,
  size: number,
  sourceChecksum: string | null,
  destinationChecksum: string | null,
  problem: string | null,
  failures: VerifyFailures,
  errorCode: ErrorCode = 'checksum-mismatch',
): void {
  // Cancelled: not checked. Failed or not copied already: counted once, where it happened.
  if (ctx.signal.aborted || ctx.isSettled(path)) return;
  if (problem) {
    failures.add(path, errorCode);
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
