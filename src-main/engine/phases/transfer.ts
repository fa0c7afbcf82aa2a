import { AppError, retryClassOf } from '../../../src-shared/errors';
import { metadataFor } from '../metadata-policy';
import { securityToCopy } from '../security-copy';
import { removeLeftoverTemporaries } from './leftovers';
import type { PlanAction } from '../plan';
import type { StoredPlanItem } from '../plan-store';
import type { RunContext } from '../run-context';
import type { TransferRunner } from '../transfer-runner';

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 250;
const DATA_ACTIONS: PlanAction[] = ['copy', 'update', 'symlink', 'meta'];

/**
 * TRANSFERRING: creates folders, removes what interrupted runs left in the others, moves files through the runner with Parallelism items in
 * flight (retrying retryable errors with backoff), applies folder times last (writing into a
 * folder changes its mtime), then deletes destination-only entries when PreserveDeletedFiles is
 * REMOVE and nothing went wrong. A file that still fails is counted and reported; the rest go
 * on. Throws AppError for what ends the whole run: cancel, no space, a crashed worker.
 */
export async function transfer(ctx: RunContext, runner: TransferRunner): Promise<void> {
  await createFolders(ctx);
  await removeLeftoverTemporaries(ctx);
  reportSkips(ctx);
  await moveData(ctx, runner);
  await applyFolderMetadata(ctx);
  await deleteExtras(ctx);
  ctx.flushReport();
}

async function createFolders(ctx: RunContext): Promise<void> {
  for (const item of ctx.plan.items(['mkdir'])) {
    throwIfCancelled(ctx);
    try {
      await ctx.destination.mkdir(item.path, ctx.signal);
    } catch (error) {
      fatalOrFail(ctx, item, error);
    }
  }
}

function reportSkips(ctx: RunContext): void {
  for (const item of ctx.plan.items(['skip'])) {
    if (item.type === 'dir') continue;
    ctx.counters.FilesSkipped++;
    if (item.detail !== 'unchanged' || ctx.options.LogLevel === 'TRANSFER') {
      ctx.report({
        path: item.path,
        action: 'skipped',
        size: item.size,
        sourceChecksum: null,
        destinationChecksum: null,
        detail: item.detail ?? null,
        errorCode: null,
      });
    }
  }
  ctx.progress.touch();
}

async function moveData(ctx: RunContext, runner: TransferRunner): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown = null;
  for (const item of ctx.plan.items(DATA_ACTIONS)) {
    if (fatal || ctx.signal.aborted) break;
    const task = runWithRetries(ctx, runner, item).catch((error: unknown) => {
      fatal ??= error;
    });
    const tracked = task.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= runner.queueDepth) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (fatal) throw fatal;
  throwIfCancelled(ctx);
}

async function runWithRetries(
  ctx: RunContext,
  runner: TransferRunner,
  item: StoredPlanItem,
): Promise<void> {
  const isFile = item.action === 'copy' || item.action === 'update';
  let done = 0;
  for (let attempt = 1; ; attempt++) {
    // Queued until the runner starts it: the first bytes make it 'transferring'.
    ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'queued' });
    done = 0;
    try {
      const outcome = await runner.run(
        item,
        (bytes) => {
          done += bytes;
          ctx.counters.BytesTransferred += bytes;
          ctx.progress.file({
            path: item.path,
            size: item.size,
            bytesDone: done,
            state: 'transferring',
          });
        },
        ctx.signal,
      );
      ctx.plan.markDone(item.seq, outcome.sourceHash, outcome.destinationHash ?? null);
      if (item.action !== 'meta') ctx.counters.FilesTransferred++;
      ctx.counters.BytesWritten += outcome.bytes;
      ctx.progress.file({ path: item.path, size: item.size, bytesDone: item.size, state: 'done' });
      ctx.report({
        path: item.path,
        action: 'transferred',
        size: isFile ? item.size : 0,
        sourceChecksum: outcome.sourceHash,
        destinationChecksum: null,
        detail: item.action === 'meta' ? 'metadata only' : null,
        errorCode: null,
      });
      ctx.log('info', `${item.action} ${item.path}`);
      return;
    } catch (error) {
      const info = toAppError(error);
      if (ctx.signal.aborted || info.code === 'cancelled')
        throw new AppError('cancelled', 'Cancelled');
      if (info.details?.workerCrashed) throw info;
      if (retryClassOf(info.code) === 'retry' && attempt < MAX_ATTEMPTS) {
        ctx.log('warn', `${info.message}; retrying (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`);
        await delay(BACKOFF_MS * 2 ** (attempt - 1));
        continue;
      }
      fatalOrFail(ctx, item, info);
      return;
    }
  }
}

/** Counts and reports a failed item, or rethrows an error that must stop the whole run. */
function fatalOrFail(ctx: RunContext, item: StoredPlanItem, error: unknown): void {
  const info = toAppError(error);
  if (ctx.signal.aborted || info.code === 'cancelled') throw new AppError('cancelled', 'Cancelled');
  if (retryClassOf(info.code) === 'fatal') throw info;
  ctx.counters.FilesFailed++;
  ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'failed' });
  ctx.report({
    path: item.path,
    action: 'failed',
    size: item.size,
    sourceChecksum: null,
    destinationChecksum: null,
    detail: info.message,
    errorCode: info.code,
  });
  ctx.logAlways('error', info.message);
}

async function applyFolderMetadata(ctx: RunContext): Promise<void> {
  const o = ctx.options;
  if (
    o.Mtime === 'NONE' &&
    o.PosixPermissions === 'NONE' &&
    o.SecurityDescriptorCopyFlags === 'NONE'
  )
    return;
  for (const item of ctx.plan.items(['mkdir', 'meta'], 'backward')) {
    if (item.type !== 'dir') continue;
    throwIfCancelled(ctx);
    const metadata = metadataFor(
      item,
      ctx.options,
      ctx.source.capabilities,
      ctx.destination.capabilities,
    );
    try {
      const security = await securityToCopy(
        item.path,
        ctx.options,
        ctx.source,
        ctx.destination,
        ctx.signal,
      );
      if (security) metadata.securityDescriptor = security;
      await ctx.destination.setMetadata(item.path, metadata, ctx.signal);
    } catch (error) {
      ctx.logAlways(
        'warn',
        `Could not set the metadata of folder ${item.path}: ${toAppError(error).message}`,
      );
    }
  }
}

async function deleteExtras(ctx: RunContext): Promise<void> {
  if (ctx.options.PreserveDeletedFiles !== 'REMOVE' || ctx.counters.EstimatedFilesToDelete === 0)
    return;
  const problems = ctx.counters.FilesFailed + ctx.runErrors.length;
  if (problems > 0) {
    // rclone's rule: never delete at the destination after any error in the run.
    ctx.logAlways(
      'warn',
      `Deletes skipped: ${problems} error(s) in this execution, and nothing is deleted after an error`,
    );
    return;
  }
  for (const item of ctx.plan.items(['delete', 'rmdir'], 'backward')) {
    throwIfCancelled(ctx);
    try {
      if (item.action === 'rmdir') await ctx.destination.rmdir(item.path, ctx.signal);
      else await ctx.destination.remove(item.path, ctx.signal);
      ctx.counters.FilesDeleted++;
      ctx.report({
        path: item.path,
        action: 'deleted',
        size: item.size,
        sourceChecksum: null,
        destinationChecksum: null,
        detail: null,
        errorCode: null,
      });
      ctx.log('info', `deleted ${item.path}`);
    } catch (error) {
      fatalOrFail(ctx, item, error);
    }
    ctx.progress.touch();
  }
}

function throwIfCancelled(ctx: RunContext): void {
  if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('unknown', error instanceof Error ? error.message : String(error));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
