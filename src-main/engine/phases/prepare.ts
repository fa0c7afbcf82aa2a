import type { ExecutionCounters } from '../../../src-shared/model/execution';
import type { EntryInfo, Location } from '../../locations/location';
import { planBoth, planDestinationOnly, planSourceOnly, type CompareContext } from '../compare';
import type { PathFilter } from '../filters';
import type { PlanItem } from '../plan';
import type { PlanStore } from '../plan-store';
import { compareTreePaths } from '../tree-order';
import { walkTree } from '../tree-walk';

export interface PrepareInput {
  source: Location;
  destination: Location;
  compare: CompareContext;
  filter: PathFilter;
  plan: PlanStore;
  counters: ExecutionCounters;
  signal: AbortSignal;
  /** False when the destination root does not exist yet (a dry run): everything is new. */
  destinationExists: boolean;
  /** Folders that could not be listed: reported, and their contents are not deleted. */
  onUnreadable(side: 'source' | 'destination', path: string, error: unknown): void;
}

/**
 * PREPARING: walks source and destination in lockstep, in tree order, and writes the plan
 * (copy, update, meta, mkdir, symlink, delete, rmdir, skip) with DataSync's Estimated* counters.
 * Memory holds two folder listings per level, never the tree; the plan goes to disk.
 * The destination is walked only when the options need it (CHANGED, NEVER or REMOVE).
 * Throws what listing the roots throws, and AppError('cancelled').
 */
export async function prepare(input: PrepareInput): Promise<void> {
  const { options } = input.compare;
  const needDestination =
    input.destinationExists &&
    (options.TransferMode === 'CHANGED' ||
      options.OverwriteMode === 'NEVER' ||
      options.PreserveDeletedFiles === 'REMOVE');
  const unreadableSourceDirs: string[] = [];
  const source = walkTree(input.source, input.signal, {
    filter: input.filter,
    // Two source names that differ only in case would land on one file: the later one fails.
    caseInsensitive: !input.compare.destination.caseSensitive,
    onUnreadable: (p, e) => {
      unreadableSourceDirs.push(p);
      input.onUnreadable('source', p, e);
    },
  });
  const destination = needDestination
    ? walkTree(input.destination, input.signal, {
        filter: input.filter,
        onUnreadable: (p, e) => input.onUnreadable('destination', p, e),
      })
    : emptyWalk();

  let a = await source.next();
  let b = await destination.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareTreePaths(a.value.path, b.value.path);
    if (order < 0) {
      record(input, planSourceOnly(a.value as EntryInfo, input.compare));
      a = await source.next();
    } else if (order > 0) {
      const item = planDestinationOnly(b.value as EntryInfo, input.compare);
      if (item && !insideAny(item.path, unreadableSourceDirs)) record(input, item);
      b = await destination.next();
    } else {
      record(input, planBoth(a.value as EntryInfo, b.value as EntryInfo, input.compare));
      a = await source.next();
      b = await destination.next();
    }
  }
  input.plan.flush();
}

function record(input: PrepareInput, item: PlanItem): void {
  const c = input.counters;
  if (
    item.action === 'skip' &&
    item.detail === 'unchanged' &&
    input.compare.options.LogLevel !== 'TRANSFER'
  ) {
    // Counted, not stored: a re-run over millions of unchanged files writes no plan for them.
    c.FilesPrepared++;
    c.FilesSkipped++;
    return;
  }
  if (item.type !== 'dir') c.FilesPrepared++;
  switch (item.action) {
    case 'copy':
    case 'update':
    case 'symlink':
      c.EstimatedFilesToTransfer++;
      c.EstimatedBytesToTransfer += item.size;
      break;
    case 'delete':
    case 'rmdir':
      c.EstimatedFilesToDelete++;
      break;
    default:
      break;
  }
  input.plan.add(item);
}

function insideAny(path: string, folders: string[]): boolean {
  return folders.some((f) => path === f || path.startsWith(`${f}/`));
}

async function* emptyWalk(): AsyncGenerator<EntryInfo> {
  // The destination is not compared (TransferMode=ALL with OverwriteMode=ALWAYS).
}
