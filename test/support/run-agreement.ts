import { expect } from 'vitest';
import { walkTree } from '../../src-main/engine/tree-walk';
import type { Location } from '../../src-main/locations/location';
import { createLocation } from '../../src-main/locations/registry';
import { isErrorCode } from '../../src-shared/errors';
import {
  FILE_ACTIONS,
  REPORT_ACTION_COUNTERS,
  type Execution,
  type FileAction,
  type FileResult,
} from '../../src-shared/model/execution';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import type { TaskOptions } from '../../src-shared/model/task';

/*
 * The one check that a finished run tells one story: its counters, its task report, the CLI's
 * summary (when it ran through the CLI) and the destination agree. engine-harness.ts,
 * run-cli.ts and the hostile-names harness call it after every run, so every test that runs the
 * engine checks it without saying so; a test that breaks a rule on purpose (a fault that leaves
 * the server down) still gets the counters-and-report part.
 */

export interface FinishedRun {
  execution: Pick<Execution, 'status' | 'counters'>;
  /** Every report line the run wrote. */
  results: readonly FileResult[];
  /** The options it ran with (LogLevel decides whether unchanged files have lines). */
  options?: Pick<TaskOptions, 'LogLevel'> | null;
  /** The CLI's stdout, when the run went through `dataferry run` without --json. */
  summary?: string;
  /** The destination, to compare the report's lines with what is there now. */
  destination?: { config: LocationConfig; secrets?: LocationSecrets };
  /** Whether this was a dry run (no lines, the plan's counters only). */
  dryRun?: boolean;
}

/** Actions that say what a run did to an entry: at most one of them per path. */
const OUTCOMES: readonly FileAction[] = [
  'transferred',
  'metadata-updated',
  'skipped',
  'not-copied',
  'deleted',
  'not-deleted',
  'folder-updated',
];

/**
 * Asserts (vitest expect) that a finished run agrees with itself and with the destination:
 * - each report action's line count equals its counter (skipped: at most, as unchanged files
 *   have lines only at LogLevel TRANSFER; equal at TRANSFER once TRANSFERRING ran);
 * - BytesVerified is the sum of the verified lines' sizes, BytesWritten that of the transferred
 *   lines';
 * - a path has at most one line per action, at most one outcome (transferred, skipped, not
 *   copied...), is never both verified and failed, never both failed and not copied;
 * - a run with failed, not-copied or folder-failed entries did not end SUCCESS;
 * - the CLI summary's numbers and status are the counters' and the execution's;
 * - at the destination, each transferred, verified or metadata-updated file is there with the
 *   size its line says (a link as a link), each created folder is a folder, each deleted path
 *   is gone. Skipped when the destination cannot be listed any more (a fault test's server is
 *   down) or lives in memory.
 */
export async function assertRunAgrees(run: FinishedRun): Promise<void> {
  const { counters: c, status } = run.execution;
  const byAction = new Map<FileAction, FileResult[]>(FILE_ACTIONS.map((a) => [a, []]));
  for (const r of run.results) {
    expect(FILE_ACTIONS, `report action of ${r.path}`).toContain(r.action);
    byAction.get(r.action)?.push(r);
  }
  const lines = (a: FileAction): FileResult[] => byAction.get(a) ?? [];
  const story = `${status}, counters ${JSON.stringify(c)}`;
  for (const action of FILE_ACTIONS) {
    const counter = REPORT_ACTION_COUNTERS[action];
    const n = lines(action).length;
    if (action === 'skipped') {
      expect(n, `'skipped' lines vs ${counter} (${story})`).toBeLessThanOrEqual(c[counter]);
      const transferRan = run.execution.status !== 'CANCELLED' && !run.dryRun;
      if (run.options?.LogLevel === 'TRANSFER' && transferRan)
        expect(n, `'skipped' lines vs ${counter} at LogLevel TRANSFER`).toBe(c[counter]);
      continue;
    }
    expect(n, `'${action}' lines vs ${counter} (${story})`).toBe(c[counter]);
  }
  const sum = (a: FileAction): number => lines(a).reduce((t, r) => t + r.size, 0);
  expect(sum('verified'), 'BytesVerified vs the verified lines').toBe(c.BytesVerified);
  expect(sum('transferred'), 'BytesWritten vs the transferred lines').toBe(c.BytesWritten);

  const seen = new Map<string, Set<FileAction>>();
  for (const r of run.results) {
    const actions = seen.get(r.path) ?? new Set<FileAction>();
    // Refused names are shown by a quoted stand-in, which two raw names can share.
    const standIn = r.action === 'not-copied' && r.errorCode === 'invalid-name';
    if (!standIn)
      expect(actions.has(r.action), `${r.path} has two '${r.action}' lines`).toBe(false);
    actions.add(r.action);
    seen.set(r.path, actions);
  }
  for (const [path, actions] of seen) {
    const outcomes = OUTCOMES.filter((a) => actions.has(a));
    expect(outcomes.length, `${path}: ${[...actions].join(', ')}`).toBeLessThanOrEqual(1);
    const both = (a: FileAction, b: FileAction): boolean => actions.has(a) && actions.has(b);
    expect(both('verified', 'failed'), `${path} verified and failed`).toBe(false);
    expect(both('not-copied', 'failed'), `${path} not copied and failed`).toBe(false);
  }
  for (const r of [...lines('failed'), ...lines('not-copied'), ...lines('folder-failed')]) {
    expect(r.detail, `${r.path}: a ${r.action} line names its reason`).toBeTruthy();
    expect(isErrorCode(r.errorCode), `${r.path}: error code ${r.errorCode}`).toBe(true);
  }
  if (c.FilesFailed + c.FilesNotCopied + c.FoldersFailed > 0)
    expect(status, 'a run that left something behind').not.toBe('SUCCESS');

  if (run.summary !== undefined) assertSummaryAgrees(run.summary, run.execution);
  if (run.destination && !run.dryRun) await assertDiskAgrees(run.destination, run.results);
}

/** The CLI's summary lines (cli.ts `summary`) against the counters. */
function assertSummaryAgrees(text: string, e: FinishedRun['execution']): void {
  const c = e.counters;
  const head = /^Execution \S+: (\w+)$/m.exec(text);
  expect(head?.[1], `status in the summary:\n${text}`).toBe(e.status);
  const files = /^ {2}files: (.*)$/m.exec(text)?.[1] ?? '';
  const number = (re: RegExp): number | undefined => {
    const m = re.exec(files);
    return m ? Number(m[1]) : undefined;
  };
  expect(number(/(\d+) transferred of/), `files line: ${files}`).toBe(c.FilesTransferred);
  expect(number(/transferred of (\d+)/)).toBe(c.EstimatedFilesToTransfer);
  expect(number(/(\d+) metadata updated/)).toBe(c.FilesMetadataUpdated);
  expect(number(/(\d+) skipped/)).toBe(c.FilesSkipped);
  expect(number(/(\d+) not copied/)).toBe(c.FilesNotCopied);
  expect(number(/(\d+) deleted/)).toBe(c.FilesDeleted);
  expect(number(/\((\d+) not deleted/) ?? 0).toBe(c.FilesNotDeleted);
  expect(number(/(\d+) verified/)).toBe(c.FilesVerified);
  expect(number(/(\d+) failed/)).toBe(c.FilesFailed);
  const folders = /^ {2}folders: (\d+) created, (\d+) updated, (\d+) failed$/m.exec(text);
  expect(folders?.slice(1).map(Number), `folders line in:\n${text}`).toEqual([
    c.FoldersCreated,
    c.FoldersUpdated,
    c.FoldersFailed,
  ]);
  const bytes = /^ {2}bytes: (\d+) written of (\d+), (\d+) verified$/m.exec(text);
  expect(bytes?.slice(1).map(Number), `bytes line in:\n${text}`).toEqual([
    c.BytesWritten,
    c.EstimatedBytesToTransfer,
    c.BytesVerified,
  ]);
}

/** What the destination holds, by path; null when it cannot be listed now. */
async function destinationTree(
  location: Location,
): Promise<Map<string, { type: string; size: number }> | null> {
  const tree = new Map<string, { type: string; size: number }>();
  try {
    for await (const entry of walkTree(location, AbortSignal.timeout(20_000), {
      onUnreadable: () => undefined,
    }))
      tree.set(entry.path, { type: entry.type, size: entry.size });
  } catch {
    return null; // the server a fault test stopped, a root that is gone
  }
  return tree;
}

async function assertDiskAgrees(
  destination: NonNullable<FinishedRun['destination']>,
  results: readonly FileResult[],
): Promise<void> {
  if (destination.config.kind === 'memory') return;
  const failed = new Set(results.filter((r) => r.action === 'failed').map((r) => r.path));
  // A short limit per request: a fault test may leave its server frozen (SIGSTOP).
  const location = createLocation(destination.config, destination.secrets ?? {}, {
    ioTimeoutMs: 3000,
  });
  let tree: Map<string, { type: string; size: number }> | null;
  try {
    tree = await destinationTree(location);
  } finally {
    await location.close().catch(() => undefined);
  }
  if (!tree) return;
  for (const r of results) {
    if (failed.has(r.path)) continue;
    const there = tree.get(r.path);
    const where = `at the destination: ${r.path} (${r.action}${r.detail ? `, ${r.detail}` : ''})`;
    switch (r.action) {
      case 'transferred':
      case 'verified':
      case 'metadata-updated':
        if (r.detail?.startsWith('symbolic link')) {
          expect(there?.type, where).toBe('symlink');
        } else if (r.detail?.startsWith('hard link to ') && r.size === 0) {
          // Another name of a file its first name's line counts the bytes of.
          expect(there?.type, where).toBe('file');
        } else {
          expect(there?.type, where).toBe('file');
          expect(there?.size, where).toBe(r.size);
        }
        break;
      case 'folder-created':
      case 'folder-updated':
        expect(there?.type, where).toBe('dir');
        break;
      case 'deleted':
        expect(there, where).toBeUndefined();
        break;
      default:
        break;
    }
  }
}
