import type { ExecutionCounters } from '../../../src-shared/model/execution';
import type { LocalLocation } from '../../locations/local/local-location';
import type { EntryInfo, Location } from '../../locations/location';
import { planBoth, planDestinationOnly, planSourceOnly, type CompareContext } from '../compare';
import type { PathFilter } from '../filters';
import { HardLinkGroups } from '../hard-link-groups';
import type { PlanItem } from '../plan';
import type { PlanStore } from '../plan-store';
import { compareTreePaths } from '../tree-order';
import { treeCursor, type EntryCursor, type WalkedEntry } from '../tree-walk';
import { canWalkInThread, threadCursor } from '../walk-thread';

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
  /**
   * The filter's patterns, as compileFilter took them to make `filter`. Given, a local
   * destination is walked in a thread of its own (walk-thread.ts) while this thread walks the
   * source: the two sides' lstat calls run on two cores at once, as rsync's two processes do.
   */
  patterns?: { includes: string; excludes: string };
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
  const source = treeCursor(input.source, input.signal, {
    filter: input.filter,
    lazyMetadata: true,
    // Two source names that differ only in case would land on one file: the later one fails.
    caseInsensitive: !input.compare.destination.caseSensitive,
    onUnreadable: (p, e) => {
      unreadableSourceDirs.push(p);
      input.onUnreadable('source', p, e);
    },
  });
  const inThread = needDestination && walksInThread(input);
  const thread = inThread ? walkDestinationInThread(input) : null;
  const destination: EntryCursor = !needDestination
    ? { next: () => undefined } // TransferMode=ALL with OverwriteMode=ALWAYS: not compared
    : (thread ??
      treeCursor(input.destination, input.signal, {
        filter: input.filter,
        lazyMetadata: true,
        onUnreadable: (p, e) => input.onUnreadable('destination', p, e),
        ...(input.onLeftovers && { onTemporaries: input.onLeftovers }),
      }));
  // A thread walking the destination starts up while this one lists the source.
  const firstOfDestination = thread ? thread.next() : null;
  if (firstOfDestination instanceof Promise) firstOfDestination.catch(() => undefined); // surfaced when awaited
  try {
    await merge(input, source, destination, firstOfDestination, unreadableSourceDirs);
  } finally {
    // Left midway (a failure, a cancel): a walk in a thread stops its thread.
    thread?.close();
  }
  input.plan.flush();
}

/** Whether the destination is walked in a thread of its own (PrepareInput.patterns). */
function walksInThread(input: PrepareInput): boolean {
  return input.patterns !== undefined && input.destination.kind === 'local' && canWalkInThread();
}

function walkDestinationInThread(input: PrepareInput): EntryCursor & { close(): void } {
  return threadCursor(
    {
      root: (input.destination as LocalLocation).listedRoot,
      includes: input.patterns?.includes ?? '',
      excludes: input.patterns?.excludes ?? '',
      caseInsensitive: false,
      temporaries: input.onLeftovers !== undefined,
    },
    input.signal,
    {
      onUnreadable: (p, e) => input.onUnreadable('destination', p, e),
      ...(input.onLeftovers && { onTemporaries: input.onLeftovers }),
    },
  );
}

/**
 * Merges the two walks in tree order into the plan. Waits only where a walk lists a folder or
 * a plan item loads metadata: a promise per entry was a good part of a re-run's CPU.
 */
async function merge(
  input: PrepareInput,
  source: EntryCursor,
  destination: EntryCursor,
  firstOfDestination: WalkedEntry | undefined | Promise<WalkedEntry | undefined> | null,
  unreadableSourceDirs: string[],
): Promise<void> {
  const needDestination = walksDestination(input.compare.options, input.destinationExists);
  // Without the destination's listing, a folder only the source shows may exist there.
  const sourceOnlyContext = { ...input.compare, destinationListed: needDestination };
  const planned = new OrderedPlan(input);
  const links = new HardLinkGroups(input.compare);
  const destinationOnly = (entry: EntryInfo): PlanItem | null => {
    const item = planDestinationOnly(entry, input.compare);
    return item && !insideAny(item.path, unreadableSourceDirs) ? item : null;
  };
  let next = source.next();
  let a = next instanceof Promise ? await next : next;
  next = firstOfDestination !== null ? firstOfDestination : destination.next();
  let b = next instanceof Promise ? await next : next;
  while (a !== undefined || b !== undefined) {
    const order = a === undefined ? 1 : b === undefined ? -1 : compareTreePaths(a.path, b.path);
    let item: PlanItem | null | Promise<PlanItem | null>;
    if (order < 0) {
      item = links.plan(
        planSourceOnly(a as EntryInfo, sourceOnlyContext),
        a as EntryInfo,
        undefined,
      );
    } else if (order > 0) {
      item = destinationOnly(b as EntryInfo);
    } else {
      const src = a as EntryInfo;
      const dst = b as EntryInfo;
      item = needsMetadata(src, dst, input.compare)
        ? planWithMetadata(input, src, dst, destinationOnly)
        : links.plan(planBoth(src, dst, input.compare), src, dst);
    }
    if (!planned.addNow(item)) await planned.add(item);
    if (order <= 0) {
      next = source.next();
      a = next instanceof Promise ? await next : next;
    }
    if (order >= 0) {
      next = destination.next();
      b = next instanceof Promise ? await next : next;
    }
  }
  await planned.drain();
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

  /** Records `item` at once when nothing waits before it and it waits for nothing. */
  addNow(item: PlanItem | null | Promise<PlanItem | null>): boolean {
    if (this.queue.length > 0 || item instanceof Promise) return false;
    if (item) record(this.input, item);
    return true;
  }

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
