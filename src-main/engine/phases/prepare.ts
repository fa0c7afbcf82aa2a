import type { ExecutionCounters } from '../../../src-shared/model/execution';
import type { EntryInfo, Location } from '../../locations/location';
import { planBoth, planDestinationOnly, planSourceOnly, type CompareContext } from '../compare';
import type { PathFilter } from '../filters';
import { HardLinkGroups } from '../hard-link-groups';
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
  /**
   * The temporaries interrupted writes left in a destination folder, as its listing saw them
   * (phases/leftovers.ts removes them before the first write); only when the destination is
   * walked (walksDestination).
   */
  onLeftovers?(folder: string, names: string[]): void;
}

/**
 * Whether PREPARING lists the destination: only when the options compare with it (CHANGED,
 * NEVER or REMOVE) and it exists. Otherwise every file is written whatever is there.
 */
export function walksDestination(
  options: CompareContext['options'],
  destinationExists: boolean,
): boolean {
  return (
    destinationExists &&
    (options.TransferMode === 'CHANGED' ||
      options.OverwriteMode === 'NEVER' ||
      options.PreserveDeletedFiles === 'REMOVE')
  );
}

/**
 * PREPARING: walks source and destination in lockstep, in tree order, and writes the plan
 * (copy, update, meta, mkdir, symlink, delete, rmdir, skip) with DataSync's Estimated* counters.
 * Memory holds two folder listings per level, never the tree; the plan goes to disk.
 * The destination is walked only when the options need it (CHANGED, NEVER or REMOVE).
 * Throws what listing the roots throws, and AppError('cancelled').
 */
export async function prepare(input: PrepareInput): Promise<void> {
  const needDestination = walksDestination(input.compare.options, input.destinationExists);
  const unreadableSourceDirs: string[] = [];
  const source = walkTree(input.source, input.signal, {
    filter: input.filter,
    lazyMetadata: true,
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
        lazyMetadata: true,
        onUnreadable: (p, e) => input.onUnreadable('destination', p, e),
        ...(input.onLeftovers && { onTemporaries: input.onLeftovers }),
      })
    : emptyWalk();

  // Without the destination's listing, a folder only the source shows may exist there.
  const sourceOnlyContext = { ...input.compare, destinationListed: needDestination };
  const planned = new OrderedPlan(input);
  const links = new HardLinkGroups(input.compare);
  const destinationOnly = (entry: EntryInfo): PlanItem | null => {
    const item = planDestinationOnly(entry, input.compare);
    return item && !insideAny(item.path, unreadableSourceDirs) ? item : null;
  };
  let a = await source.next();
  let b = await destination.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareTreePaths(a.value.path, b.value.path);
    if (order < 0) {
      const src = a.value as EntryInfo;
      await planned.add(links.plan(planSourceOnly(src, sourceOnlyContext), src, undefined));
      a = await source.next();
    } else if (order > 0) {
      await planned.add(destinationOnly(b.value as EntryInfo));
      b = await destination.next();
    } else {
      const src = a.value as EntryInfo;
      const dst = b.value as EntryInfo;
      await planned.add(
        needsMetadata(src, dst, input.compare)
          ? planWithMetadata(input, src, dst, destinationOnly)
          : links.plan(planBoth(src, dst, input.compare), src, dst),
      );
      a = await source.next();
      b = await destination.next();
    }
  }
  await planned.drain();
  input.plan.flush();
}

/** Plan items in tree order, some still waiting for their entries' metadata. */
const PLANNED_AHEAD = 256;

/**
 * Records plan items in the order they were added, while those that wait for metadata (HEADs)
 * load up to PLANNED_AHEAD at a time: the requests overlap instead of one round trip per file.
 */
class OrderedPlan {
  private readonly queue: Promise<PlanItem | null>[] = [];

  constructor(private readonly input: PrepareInput) {}

  async add(item: PlanItem | null | Promise<PlanItem | null>): Promise<void> {
    if (this.queue.length === 0 && !(item instanceof Promise)) {
      if (item) record(this.input, item);
      return;
    }
    const pending = Promise.resolve(item);
    pending.catch(() => undefined); // surfaced in its turn
    this.queue.push(pending);
    if (this.queue.length >= PLANNED_AHEAD) await this.recordNext();
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.recordNext();
  }

  private async recordNext(): Promise<void> {
    const item = await this.queue.shift();
    if (item) record(this.input, item);
  }
}

/**
 * A file on both sides whose comparison needs metadata one side has not loaded (a listing
 * answers size and ETag, not the stored mtime or mode): only when the sizes are equal and
 * TransferMode=CHANGED compares. Different sizes are a copy without asking anything.
 */
function needsMetadata(src: EntryInfo, dst: EntryInfo, ctx: CompareContext): boolean {
  return (
    (src.metadataPending === true || dst.metadataPending === true) &&
    src.type === 'file' &&
    dst.type === 'file' &&
    src.size === dst.size &&
    ctx.options.TransferMode === 'CHANGED'
  );
}

/**
 * planBoth once both entries' metadata is loaded. An entry gone since its listing is planned as
 * if it had not been listed.
 */
async function planWithMetadata(
  input: PrepareInput,
  src: EntryInfo,
  dst: EntryInfo,
  destinationOnly: (entry: EntryInfo) => PlanItem | null,
): Promise<PlanItem | null> {
  const [loadedSrc, loadedDst] = await Promise.all([
    loadMetadata(input.source, src, input.signal),
    loadMetadata(input.destination, dst, input.signal),
  ]);
  if (!loadedSrc) return loadedDst ? destinationOnly(loadedDst) : null;
  if (!loadedDst) return planSourceOnly(loadedSrc, input.compare);
  return planBoth(loadedSrc, loadedDst, input.compare);
}

async function loadMetadata(
  location: Location,
  entry: EntryInfo,
  signal: AbortSignal,
): Promise<EntryInfo | null> {
  if (!entry.metadataPending || !location.loadMetadata) return entry;
  return location.loadMetadata(entry, signal);
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
    case 'link':
      c.EstimatedFilesToTransfer++;
      // A link moves no bytes.
      if (item.action !== 'link') c.EstimatedBytesToTransfer += item.size;
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
