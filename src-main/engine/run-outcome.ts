import type { ErrorInfo } from '../../src-shared/errors';
import { NAMED_IN_SUMMARY, type NamedEntry, type RunContext } from './run-context';

/**
 * The error a finished run ends with, or null when it copied everything: failed files, folders
 * that could not be read, entries left behind (not copied) and deletes not made, each named by
 * its first few paths, so the summary alone says what is missing. Its code is the first
 * problem's. A run with any of these ends ERROR: a copy that left something behind must never
 * look complete.
 */
export function runOutcomeError(ctx: RunContext): ErrorInfo | null {
  const c = ctx.counters;
  const parts: string[] = [];
  const first = ctx.firstFailure;
  if (c.FilesFailed > 0)
    parts.push(
      `${c.FilesFailed} file(s) failed${first ? ` (first: ${first.path}: ${first.message})` : ''}`,
    );
  const unreadable = ctx.runErrors.length;
  if (unreadable > 0)
    parts.push(
      `${unreadable} folder(s) could not be read: ${named(ctx.firstUnreadable, unreadable)}`,
    );
  const otherFolders = c.FoldersFailed - unreadable;
  if (otherFolders > 0) parts.push(`${otherFolders} folder(s) could not be created or updated`);
  if (c.FilesNotCopied > 0)
    parts.push(
      `${c.FilesNotCopied} entr${c.FilesNotCopied === 1 ? 'y was' : 'ies were'} not copied: ${named(ctx.firstNotCopied, c.FilesNotCopied)}`,
    );
  if (parts.length === 0) return null;
  if (c.FilesNotDeleted > 0)
    parts.push(`${c.FilesNotDeleted} deletion(s) not made (${ctx.deletesNotMadeBecause ?? ''})`);
  return {
    code: first?.code ?? ctx.runErrors[0]?.code ?? ctx.firstNotCopied[0]?.code ?? 'unknown',
    message: `${parts.join('; ')}; see the task report`,
  };
}

/** "/a/b (permission denied), /c (...) and 4 more". */
function named(entries: readonly NamedEntry[], total: number): string {
  const shown = entries
    .slice(0, NAMED_IN_SUMMARY)
    .map((e) => `/${e.path} (${e.reason})`)
    .join(', ');
  return total > entries.length ? `${shown} and ${total - entries.length} more` : shown;
}
