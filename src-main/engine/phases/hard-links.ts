import { AppError } from '../../../src-shared/errors';
import type { StoredPlanItem } from '../plan-store';
import type { RunContext } from '../run-context';

/**
 * TRANSFERRING's links: each 'link' item (a later name of a file with several, hard-link-groups.ts)
 * is made another name of the file copied under its first name, once every copy is done, so the
 * file it names is there. Counted and reported as transferred (no bytes); a failure (the first
 * name failed to copy, another file system) fails that name only, through `fail`.
 */
export async function makeHardLinks(
  ctx: RunContext,
  fail: (ctx: RunContext, item: StoredPlanItem, error: unknown) => void,
): Promise<void> {
  for (const item of ctx.plan.items(['link'])) {
    if (ctx.signal.aborted) throw new AppError('cancelled', 'Cancelled');
    const target = item.hardLinkTo;
    try {
      if (target === undefined || !ctx.destination.link) {
        throw new AppError(
          'not-supported',
          `Cannot make hard links at ${ctx.destination.description}`,
        );
      }
      await ctx.destination.link(item.path, target, ctx.signal);
    } catch (error) {
      fail(ctx, item, error);
      continue;
    }
    ctx.progress.file({ path: item.path, size: item.size, bytesDone: item.size, state: 'done' });
    // Counted where the line is written (RunContext.report). Its size is the bytes this line
    // moved: none, as a symbolic link's line (the file's bytes are its first name's).
    ctx.report({
      path: item.path,
      action: 'transferred',
      size: 0,
      sourceChecksum: null,
      destinationChecksum: null,
      detail: `hard link to /${target}`,
      errorCode: null,
    });
    ctx.log('info', `link ${item.path} -> ${target}`);
  }
}
