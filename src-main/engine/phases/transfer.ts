import { AppError, retryClassOf, type ErrorInfo } from '../../../src-shared/errors';
import { HolesNotice } from '../holes-notice';
import { makeHardLinks } from './hard-links';
import { metadataFor } from '../metadata-policy';
import { backoffDelay } from '../retry-policy';
import { securityToCopy } from '../security-copy';
import { parentOfRelative } from '../../locations/relative-path';
import { removeLeftoverTemporaries, removeTemporariesAfterFailures } from './leftovers';
import type { PlanAction } from '../plan';
import type { StoredPlanItem } from '../plan-store';
import type { RunContext } from '../run-context';
import type { ItemOutcome } from '../transfer-file';
import type { TransferRunner } from '../transfer-runner';
import {
  BATCH_MAX_REQUESTS,
  GROUP_FOLDER_CUT,
  fitsGroup,
  groupRunnerOf,
  type GroupRunner,
} from '../worker-protocol';
import type { FileResult } from '../../../src-shared/model/execution';

const DATA_ACTIONS: PlanAction[] = ['copy', 'update', 'symlink', 'meta'];

/**
 * TRANSFERRING: creates folders, removes what interrupted runs left in the others, moves files
 * through the runner with Parallelism items in flight (retrying retryable errors with backoff as
 * ctx.retry says: a server restart is ridden out), applies folder times last (writing into a
 * folder changes its mtime), then deletes destination-only entries when PreserveDeletedFiles is
 * REMOVE and nothing went wrong. A file that still fails is counted and reported; the rest go
 * on. Throws AppError for what ends the whole run: cancel, no space, a crashed worker, an outage
 * longer than the retry window (the message names the file, and the location's error the
 * server).
 */
export async function transfer(ctx: RunContext, runner: TransferRunner): Promise<void> {
  groupRunnerOf(runner)?.startThreads(ctx.counters.EstimatedFilesToTransfer);
  await createFolders(ctx);
  await removeLeftoverTemporaries(ctx);
  reportSkips(ctx);
  await moveData(ctx, runner);
  await makeHardLinks(ctx, fatalOrFail);
  await applyFolderMetadata(ctx);
  await deleteExtras(ctx);
  ctx.flushReport();
}

/**
 * Creates the plan's folders in tree order. A new folder gets a folder-created line; one that was
 * already there none (like an unchanged file); one the destination was not compared for (TransferMode=ALL)
 * a folder-created line that says it may have been there.
 */
async function createFolders(ctx: RunContext): Promise<void> {
  for (const item of ctx.plan.items(['mkdir'])) {
    throwIfCancelled(ctx);
    try {
      await ctx.destination.mkdir(item.path, ctx.signal);
    } catch (error) {
      fatalOrFail(ctx, item, error);
      continue;
    }
    if (item.newFolder === false) continue;
    ctx.report({
      path: item.path,
      action: 'folder-created',
      size: 0,
      sourceChecksum: null,
      destinationChecksum: null,
      detail:
        item.newFolder === true
          ? null
          : 'created unless it was there (the destination was not compared: TransferMode=ALL)',
      errorCode: null,
    });
  }
}

/**
 * The plan's skips: unchanged files counted (reported at LogLevel TRANSFER), files the options
 * leave alone reported as skipped, entries that cannot be copied as not-copied, and names the
 * destination cannot tell apart as failed.
 */
function reportSkips(ctx: RunContext): void {
  for (const item of ctx.plan.items(['skip'])) {
    if (item.failed) {
      // The destination cannot hold it (compare.ts): a failed file, reported as such.
      fatalOrFail(ctx, item, new AppError(item.errorCode ?? 'invalid-name', item.detail ?? ''));
      continue;
    }
    if (item.notCopied) {
      ctx.report({
        path: item.path,
        action: 'not-copied',
        size: item.type === 'file' ? item.size : 0,
        sourceChecksum: null,
        destinationChecksum: null,
        detail: item.type === 'dir' ? `folder ${item.detail ?? ''}` : (item.detail ?? null),
        errorCode: item.errorCode ?? null,
      });
      continue;
    }
    if (item.type === 'dir') continue;
    if (item.detail === 'unchanged' && ctx.options.LogLevel !== 'TRANSFER') {
      ctx.count('skipped');
      continue;
    }
    ctx.report({
      path: item.path,
      action: 'skipped',
      size: item.size,
      sourceChecksum: null,
      destinationChecksum: null,
      detail: item.detail ?? null,
      errorCode: item.errorCode ?? null,
    });
  }
  ctx.progress.touch();
}

async function moveData(ctx: RunContext, runner: TransferRunner): Promise<void> {
  const grouped = groupRunnerOf(runner);
  const inFlight = new InFlight(grouped ? grouped.groupsInFlight : runner.queueDepth);
  let fatal: unknown = null;
  const onFatal = (error: unknown): void => void (fatal ??= error);
  // Folders where a write failed on the connection: its temporary may still be there.
  const troubled = new Set<string>();
  const holes = new HolesNotice(ctx);
  const groups = new Grouper();
  for (const item of ctx.plan.items(DATA_ACTIONS)) {
    if (fatal || ctx.signal.aborted) break;
    holes.note(item);
    if (grouped && fitsGroup(item)) {
      const full = groups.add(item);
      if (full) await inFlight.add(runGroup(ctx, grouped, full, troubled).catch(onFatal));
      continue;
    }
    await inFlight.add(runWithRetries(ctx, runner, item, troubled).catch(onFatal));
  }
  const rest = groups.take();
  if (grouped && rest && !fatal && !ctx.signal.aborted)
    await inFlight.add(runGroup(ctx, grouped, rest, troubled).catch(onFatal));
  await inFlight.drain();
  holes.say();
  if (troubled.size > 0 && !ctx.retry.outageGivenUp && !ctx.signal.aborted)
    await removeTemporariesAfterFailures(ctx, troubled);
  if (fatal) throw fatal;
  throwIfCancelled(ctx);
}

/**
 * Small items in plan order, cut into groups of up to 64, and where the folder changes once a
 * group holds 16: a thread then fills whole folders (runner-side folder affinity), and folders
 * of a few files still travel many to a message.
 */
class Grouper {
  private items: StoredPlanItem[] = [];
  private folder = '';

  /** Adds an item; returns the group it completed, if it did (the item is then the next one's). */
  add(item: StoredPlanItem): StoredPlanItem[] | null {
    const folder = parentOfRelative(item.path);
    let full: StoredPlanItem[] | null = null;
    if (
      this.items.length >= BATCH_MAX_REQUESTS ||
      (this.items.length >= GROUP_FOLDER_CUT && folder !== this.folder)
    )
      full = this.take();
    this.items.push(item);
    this.folder = folder;
    return full;
  }

  take(): StoredPlanItem[] | null {
    if (this.items.length === 0) return null;
    const group = this.items;
    this.items = [];
    return group;
  }
}

/**
 * A group of small items on one thread, one answer for all: each carried out is counted and
 * reported here, in one go; each that failed goes the single item's way (runWithRetries) from
 * its failed first attempt: retried, re-read when it changed, reported, or the run stopped.
 */
async function runGroup(
  ctx: RunContext,
  runner: GroupRunner,
  items: StoredPlanItem[],
  troubled: Set<string>,
): Promise<void> {
  for (const item of items)
    ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'queued' });
  const answers = await runner.runGroup(items, ctx.signal);
  const failed: Promise<void>[] = [];
  let fatal: unknown = null;
  for (const [i, item] of items.entries()) {
    const answer = answers[i];
    ctx.counters.BytesTransferred += answer?.read ?? 0;
    if (answer && 'outcome' in answer) {
      completed(ctx, item, item, answer.outcome);
      continue;
    }
    const error: ErrorInfo =
      answer && 'error' in answer
        ? answer.error
        : { code: 'unknown', message: `${item.path}: the transfer thread gave no outcome` };
    const first = new AppError(error.code, error.message, error.details);
    failed.push(
      runWithRetries(ctx, runner, item, troubled, first).catch((error: unknown) => {
        fatal ??= error;
      }),
    );
  }
  await Promise.all(failed);
  if (fatal) throw fatal;
}

async function runWithRetries(
  ctx: RunContext,
  runner: TransferRunner,
  item: StoredPlanItem,
  troubled: Set<string>,
  /** How its first attempt failed, when it was made in a group. */
  failedFirst?: AppError,
): Promise<void> {
  const isFile = item.action === 'copy' || item.action === 'update';
  let done = 0;
  let firstFailureAt = 0;
  // The version of the source this attempt copies: a file that changed is taken again as it is.
  let current: StoredPlanItem = item;
  for (let attempt = 1; ; attempt++) {
    // Queued until the runner starts it: the first bytes make it 'transferring'.
    ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'queued' });
    done = 0;
    try {
      if (attempt === 1 && failedFirst) throw failedFirst;
      const outcome = await runner.run(
        current,
        (bytes) => {
          done += bytes;
          ctx.counters.BytesTransferred += bytes;
          ctx.progress.file({
            path: item.path,
            size: current.size,
            bytesDone: done,
            state: 'transferring',
          });
        },
        ctx.signal,
      );
      completed(ctx, item, current, outcome);
      return;
    } catch (error) {
      const info = toAppError(error);
      if (ctx.signal.aborted || info.code === 'cancelled') throw cancelledInFlight(ctx, current);
      if (info.details?.workerCrashed) {
        reportFailed(ctx, current, info);
        throw info;
      }
      if (attempt === 1) firstFailureAt = Date.now();
      if (isFile && (info.code === 'unavailable' || info.code === 'timeout'))
        troubled.add(parentOfRelative(item.path));
      const decision = ctx.retry.decide(info.code, attempt, firstFailureAt);
      if (decision.action === 'retry') {
        ctx.log(
          'warn',
          `${info.message}; retrying in ${(decision.delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1})`,
        );
        await backoffDelay(decision.delayMs, ctx.signal);
        if (ctx.signal.aborted) throw cancelledInFlight(ctx, current);
        if (info.code === 'changed-during-transfer') {
          try {
            current = await sourceAsItIsNow(ctx, current);
          } catch (error) {
            if (ctx.signal.aborted) throw cancelledInFlight(ctx, current);
            // Deleted meanwhile (not-found), or no longer a file: that is the file's outcome.
            fatalOrFail(ctx, item, error);
            return;
          }
        }
        continue;
      }
      fatalOrFail(ctx, item, info);
      if (decision.action === 'stop') throw outageError(ctx, item, info, attempt);
      return;
    }
  }
}

/**
 * An item carried out: counted, marked done for VERIFYING (with the version copied when the
 * file changed since it was planned), reported.
 */
function completed(
  ctx: RunContext,
  item: StoredPlanItem,
  current: StoredPlanItem,
  outcome: ItemOutcome,
): void {
  ctx.retry.succeeded();
  // A file that changed meanwhile was copied as it is now: VERIFYING checks that version.
  const copied = current === item ? null : { size: current.size, mtimeMs: current.mtimeMs };
  ctx.plan.markDone(item.seq, outcome.sourceHash, outcome.destinationHash ?? null, copied);
  ctx.counters.BytesWritten += outcome.bytes;
  ctx.progress.file({
    path: item.path,
    size: current.size,
    bytesDone: current.size,
    state: 'done',
  });
  ctx.report(doneLine(current, outcome.sourceHash));
  if (ctx.logs('info')) ctx.log('info', `${item.action} ${item.path}`);
}

/**
 * Reports an item that was in flight (started, or waiting to retry) when the run was cancelled:
 * not written, so a failed line with the code cancelled. Returns the error that ends the run.
 */
function cancelledInFlight(ctx: RunContext, item: StoredPlanItem): AppError {
  reportFailed(
    ctx,
    item,
    new AppError('cancelled', `Cancelled while it was being copied: ${item.path} was not written`),
  );
  return new AppError('cancelled', 'Cancelled');
}

/**
 * The plan item for the source file as it is now (size, times, owner, mode), for another
 * attempt after it changed while it was copied: rsync's way, the new version is copied rather
 * than the file failing for having changed once. Throws the stat's AppError (not-found when it
 * was deleted meanwhile), or changed-during-transfer when it is no longer a file.
 */
async function sourceAsItIsNow(ctx: RunContext, item: StoredPlanItem): Promise<StoredPlanItem> {
  const now = await ctx.source.stat(item.path, ctx.signal);
  if (now.type !== item.type) {
    throw new AppError(
      'changed-during-transfer',
      `Source changed while it was being copied: ${item.path} is now a ${now.type}`,
      { path: item.path },
    );
  }
  const { path: _path, type: _type, ...fresh } = now;
  return { ...item, ...fresh };
}

/**
 * The error that stops a run after nothing succeeded for the whole retry window: the file and
 * its own cause (which names the server) first, as the task report has it.
 */
function outageError(
  ctx: RunContext,
  item: StoredPlanItem,
  info: AppError,
  attempts: number,
): AppError {
  const seconds = Math.round(ctx.retry.retryForMs / 1000);
  const cause = info.message.startsWith(`${item.path}: `)
    ? info.message
    : `${item.path}: ${info.message}`;
  return new AppError(
    info.code,
    `${cause}; nothing succeeded for ${seconds} s of retries (${attempts} attempt(s) on this file), so the execution stopped`,
    { ...info.details, path: item.path, outage: true },
  );
}

/** The report line of an item carried out: what was written, by kind. */
function doneLine(item: StoredPlanItem, sourceChecksum: string | null): Omit<FileResult, 'at'> {
  const line = {
    path: item.path,
    size: 0,
    sourceChecksum,
    destinationChecksum: null,
    detail: null,
    errorCode: null,
  };
  if (item.type === 'dir') return { ...line, action: 'folder-updated' };
  const action = item.action === 'meta' ? 'metadata-updated' : 'transferred';
  if (item.type === 'symlink')
    return { ...line, action, detail: `symbolic link to ${item.linkTarget ?? ''}` };
  // A file's own note, if PREPARING gave it one (say, a hard link copied as a file).
  return { ...line, action, size: item.size, detail: item.detail ?? null };
}

/**
 * Counts and reports a failed item (a folder as folder-failed), then rethrows an error that
 * must stop the whole run (after reporting it: the file it happened to is named).
 */
function fatalOrFail(ctx: RunContext, item: StoredPlanItem, error: unknown): void {
  const info = toAppError(error);
  if (ctx.signal.aborted || info.code === 'cancelled') throw new AppError('cancelled', 'Cancelled');
  reportFailed(ctx, item, info);
  if (retryClassOf(info.code) === 'fatal') throw info;
}

function reportFailed(ctx: RunContext, item: StoredPlanItem, info: AppError): void {
  const folder = item.type === 'dir' && item.action !== 'rmdir';
  ctx.progress.file({ path: item.path, size: item.size, bytesDone: 0, state: 'failed' });
  ctx.report({
    path: item.path,
    action: folder ? 'folder-failed' : 'failed',
    size: folder || item.type !== 'file' ? 0 : item.size,
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
  const problems = ctx.counters.FilesFailed + ctx.counters.FoldersFailed;
  if (problems > 0) {
    // rclone's rule: never delete at the destination after any error in the run. Each delete
    // not made is listed, and the run's error message says why.
    const reason = `${problems} error(s) in this execution, and nothing is deleted after an error`;
    ctx.deletesNotMadeBecause = reason;
    ctx.logAlways('warn', `Deletes skipped: ${reason}`);
    for (const item of ctx.plan.items(['delete', 'rmdir'], 'backward')) {
      ctx.report({
        path: item.path,
        action: 'not-deleted',
        size: item.type === 'file' ? item.size : 0,
        sourceChecksum: null,
        destinationChecksum: null,
        detail: `not deleted: ${reason}`,
        errorCode: null,
      });
    }
    return;
  }
  for (const item of ctx.plan.items(['delete', 'rmdir'], 'backward')) {
    throwIfCancelled(ctx);
    try {
      if (item.action === 'rmdir') await ctx.destination.rmdir(item.path, ctx.signal);
      else await ctx.destination.remove(item.path, ctx.signal);
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

/**
 * At most `limit` tasks in flight: `add` resolves once there is room again. A counter and one
 * waiter, where racing every task in flight for each new one cost a promise reaction per task
 * per file (most of the main thread's garbage on 20,000 small files).
 */
export class InFlight {
  private count = 0;
  private room: (() => void) | null = null;
  private idle: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  /**
   * Tracks `task` and waits while `limit` are in flight. The task must handle its own errors:
   * a rejection only frees its place.
   */
  async add(task: Promise<void>): Promise<void> {
    this.count++;
    const settled = (): void => this.settled();
    void task.then(settled, settled);
    while (this.count >= this.limit) await new Promise<void>((resolve) => (this.room = resolve));
  }

  /** Resolves when every task added has settled. */
  async drain(): Promise<void> {
    while (this.count > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  private settled(): void {
    this.count--;
    const room = this.room;
    this.room = null;
    room?.();
    if (this.count === 0) {
      const idle = this.idle;
      this.idle = null;
      idle?.();
    }
  }
}

function throwIfCancelled(ctx: RunContext): void {
  if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('unknown', error instanceof Error ? error.message : String(error));
}
