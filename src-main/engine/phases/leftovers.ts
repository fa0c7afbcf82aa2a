import { parentOfRelative } from '../../locations/relative-path';
import type { RunContext } from '../run-context';

/** Folders cleaned at once: each is one listing (and a few deletes) on the destination. */
const AT_ONCE = 8;

/**
 * Removes the temporaries that interrupted runs (a server that went away mid-file, a killed
 * process) left in the destination folders this run is about to write into, before any of its
 * own writes start there. Folders this run creates hold none and cost nothing; an incremental
 * run pays one listing per existing folder it writes into. A folder that cannot be cleaned is
 * logged and left: its writes report their own errors. Two runs writing into one folder at the
 * same time are not supported (the TaskQueueing rule keeps a task's runs apart).
 */
export async function removeLeftoverTemporaries(ctx: RunContext): Promise<void> {
  const created = new Set<string>();
  for (const item of ctx.plan.items(['mkdir'])) created.add(item.path);
  const folders = new Set<string>();
  for (const item of ctx.plan.items(['copy', 'update'])) {
    const folder = parentOfRelative(item.path);
    if (!created.has(folder)) folders.add(folder);
  }
  const queue = [...folders];
  const clean = async (): Promise<void> => {
    for (let folder = queue.shift(); folder !== undefined; folder = queue.shift()) {
      if (ctx.signal.aborted) return;
      try {
        const removed = await ctx.destination.removeTemporaries(folder, ctx.signal);
        if (removed > 0)
          ctx.log(
            'info',
            `Removed ${removed} temporary file(s) of an interrupted run in /${folder}`,
          );
      } catch (error) {
        ctx.log('warn', `Could not look for leftover temporaries in /${folder}: ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, queue.length) }, clean));
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
