import { AppError } from '../../../src-shared/errors';
import { joinRelative, parentOfRelative } from '../../locations/relative-path';
import { isTemporaryName } from '../../locations/temp-names';
import type { RunContext } from '../run-context';
import { walksDestination } from './prepare';

/** Folders cleaned at once: each is a few removes (or, unlisted, one listing) at the destination. */
const AT_ONCE = 8;

/**
 * Before the first write, removes what interrupted runs (a killed process, a server that went
 * away mid-file, a crashed worker) left at the destination, so that nothing stays for good:
 *
 * - the temporaries PREPARING's listings of the destination saw (ctx.leftovers): in every folder
 *   the task covers, whether this run writes there or not, at the cost of one remove each (the
 *   walk lists every folder anyway);
 * - when PREPARING did not list the destination (TransferMode ALL with OverwriteMode ALWAYS and
 *   deleted files kept: every file is written whatever is there), the temporaries of the
 *   folders this run writes into, one listing each;
 * - where the store has uploads (S3), the multipart uploads in progress anywhere under the
 *   destination that the task's filters cover and that began before this run: one listing of
 *   uploads for the whole tree.
 *
 * Only names our writes use (temp-names.ts) are removed. Each removal is logged with its folder;
 * counters and the report are untouched (a leftover is no file of the run). A folder that cannot
 * be cleaned is logged and left: its writes report their own errors. Two runs writing into one
 * folder at the same time are not supported (the TaskQueueing rule keeps a task's runs apart).
 */
export async function removeLeftoverTemporaries(ctx: RunContext): Promise<void> {
  const listed = walksDestination(ctx.options, true);
  const folders = listed ? [...ctx.leftovers.keys()] : foldersWrittenInto(ctx);
  const queue = [...folders];
  const clean = async (): Promise<void> => {
    for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
      if (ctx.signal.aborted) return;
      try {
        const removed = listed
          ? await removeListed(ctx, folder, ctx.leftovers.get(folder) ?? [])
          : await ctx.destination.removeTemporaries(folder, ctx.signal);
        if (removed > 0)
          ctx.logAlways(
            'info',
            `Removed ${removed} temporary file(s) of an interrupted run in /${folder}`,
          );
      } catch (error) {
        ctx.log('warn', `Could not remove leftover temporaries in /${folder}: ${String(error)}`);
      }
    }
  };
  await Promise.all([
    ...Array.from({ length: Math.min(AT_ONCE, queue.length) }, clean),
    abortInterruptedUploads(ctx),
  ]);
}

/**
 * The folders this run writes files into. Unlisted, the destination's folders are all planned
 * as mkdir (which leaves an existing one as it is), so none can be told to be new.
 */
function foldersWrittenInto(ctx: RunContext): string[] {
  const folders = new Set<string>();
  for (const item of ctx.plan.items(['copy', 'update'])) folders.add(parentOfRelative(item.path));
  return [...folders];
}

/**
 * Removes the temporaries a listing saw in `folder`; resolves with how many it removed. One gone
 * meanwhile (not-found), or that is no file after all (is-dir), is not ours to remove: skipped.
 * Throws the first other failure.
 */
async function removeListed(ctx: RunContext, folder: string, names: string[]): Promise<number> {
  let removed = 0;
  for (const name of names) {
    if (!isTemporaryName(name)) continue; // only ever our own names
    try {
      await ctx.destination.remove(joinRelative(folder, name), ctx.signal);
      removed++;
    } catch (error) {
      const code = error instanceof AppError ? error.code : null;
      if (code !== 'not-found' && code !== 'is-dir') throw error;
    }
  }
  return removed;
}

/**
 * Aborts the multipart uploads interrupted runs left under the destination (S3), logged per
 * folder. Ours: covered by the task's filters and begun before this run started (the time the
 * server gives against this machine's clock): an upload another writer began meanwhile is left
 * alone. Never throws.
 */
async function abortInterruptedUploads(ctx: RunContext): Promise<void> {
  const abort = ctx.destination.abortInterruptedUploads?.bind(ctx.destination);
  if (!abort) return;
  const began = ctx.execution.launchTime ?? Date.now();
  try {
    const aborted = await abort(
      (path, initiatedMs) => ctx.covers(path) && initiatedMs !== undefined && initiatedMs < began,
      ctx.signal,
    );
    const perFolder = new Map<string, number>();
    for (const path of aborted) {
      const folder = parentOfRelative(path);
      perFolder.set(folder, (perFolder.get(folder) ?? 0) + 1);
    }
    for (const [folder, count] of perFolder)
      ctx.logAlways(
        'info',
        `Aborted ${count} multipart upload(s) of an interrupted run in /${folder}`,
      );
  } catch (error) {
    ctx.log('warn', `Could not look for interrupted multipart uploads: ${String(error)}`);
  }
}

/** How long the clean-up after a connection failure may take: the server may still be gone. */
const AFTER_FAILURE_CLEANUP_MS = 15_000;

/**
 * Removes the temporaries that writes of this run left when a connection failed under them
 * (the server went away, so the write could not delete its own temporary), in `folders`, once
 * no write is in flight any more. Best effort: a server still unreachable is logged and the
 * next run's removeLeftoverTemporaries cleans up. Never throws.
 */
export async function removeTemporariesAfterFailures(
  ctx: RunContext,
  folders: Iterable<string>,
): Promise<void> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(AFTER_FAILURE_CLEANUP_MS)]);
  for (const folder of folders) {
    if (signal.aborted) return;
    try {
      const removed = await ctx.destination.removeTemporaries(folder, signal);
      if (removed > 0)
        ctx.log('info', `Removed ${removed} temporary file(s) of failed attempts in /${folder}`);
    } catch (error) {
      ctx.log(
        'warn',
        `Could not remove the temporaries of failed attempts in /${folder}: ${String(error)}`,
      );
    }
  }
}
