import type { EntryInfo, Location } from '../locations/location';
import { mapBounded } from '../locations/map-bounded';
import type { PathFilter } from './filters';
import { sortByName } from './tree-order';

export interface WalkOptions {
  filter?: PathFilter;
  /** Called for a folder that cannot be listed; the walk goes on without its contents. */
  onUnreadable?: (path: string, error: unknown) => void;
  /**
   * The entries are going to a destination that ignores case (SMB): of the names in one folder
   * that differ only in case, the first in tree order is yielded as it is and the others as
   * name clashes (see WalkedEntry), so that none is written over another.
   */
  caseInsensitive?: boolean;
  /**
   * Yield entries whose stored metadata is not loaded yet as they are (metadataPending), for a
   * caller that loads only those it needs (PREPARING). Without it, every entry is complete.
   */
  lazyMetadata?: boolean;
  /**
   * Hears, per folder listed, the names of the temporaries interrupted writes left there
   * (Location.list's onTemporary): the walk visits every folder anyway, so finding them costs
   * nothing more. They are never yielded.
   */
  onTemporaries?: (folder: string, names: string[]) => void;
}

/** Pending entries loaded at once per folder (the location bounds its own requests too). */
const METADATA_LOADS_IN_FLIGHT = 32;

/** What the walk yields: a location's entry, or one it refused as a name clash. */
export interface WalkedEntry extends EntryInfo {
  /**
   * The destination ignores case and another entry of this folder has the same name but for
   * case: this one is type 'other' (never entered or copied) with the reason in `problem`.
   */
  nameClash?: true;
}

/**
 * Walks a location in tree order (see tree-order.ts), streaming: memory holds the listings of
 * the folders on the current path only, never the whole tree. The root itself is not yielded.
 * Folders the filter rules out are not entered. Throws what `list` throws for the root.
 */
export async function* walkTree(
  location: Location,
  signal: AbortSignal,
  options: WalkOptions = {},
): AsyncGenerator<WalkedEntry> {
  const cursor = treeCursor(location, signal, options);
  for (;;) {
    const next = cursor.next();
    const entry = next instanceof Promise ? await next : next;
    if (entry === undefined) return;
    yield entry;
  }
}

/**
 * A walk taken one entry at a time, for a caller that takes many (PREPARING): the next entry
 * comes at once while the folder at hand has more, a promise only when a folder is listed.
 */
export interface EntryCursor {
  /** The next entry, undefined after the last. Throws or rejects as walkTree does. */
  next(): WalkedEntry | undefined | Promise<WalkedEntry | undefined>;
}

/** walkTree as an EntryCursor: the same entries, listings and calls, in the same order. */
export function treeCursor(
  location: Location,
  signal: AbortSignal,
  options: WalkOptions = {},
): EntryCursor {
  return new TreeCursor(location, signal, options);
}

interface Listing {
  entries: WalkedEntry[];
  index: number;
}

class TreeCursor implements EntryCursor {
  // A filter without patterns accepts everything: not asked per entry (a string each).
  private readonly filter: PathFilter | undefined;
  /** A stack of sorted listings, each consumed from the front; null before the root's. */
  private stack: Listing[] | null = null;
  /** The folder given out last, listed before the next entry. */
  private enter: string | null = null;

  constructor(
    private readonly location: Location,
    private readonly signal: AbortSignal,
    private readonly options: WalkOptions,
  ) {
    this.filter = options.filter?.active ? options.filter : undefined;
  }

  next(): WalkedEntry | undefined | Promise<WalkedEntry | undefined> {
    if (this.stack === null) return this.start();
    if (this.enter !== null) return this.descend(this.enter);
    return this.advance();
  }

  private async start(): Promise<WalkedEntry | undefined> {
    const stack: Listing[] = [];
    this.stack = stack;
    stack.push({ entries: await this.listed(''), index: 0 });
    return this.advance();
  }

  private async descend(path: string): Promise<WalkedEntry | undefined> {
    this.enter = null;
    try {
      (this.stack as Listing[]).push({ entries: await this.listed(path), index: 0 });
    } catch (error) {
      if (this.signal.aborted || !this.options.onUnreadable) throw error;
      this.options.onUnreadable(path, error);
    }
    return this.advance();
  }

  private advance(): WalkedEntry | undefined {
    const stack = this.stack as Listing[];
    const filter = this.filter;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Listing;
      const entry = top.entries[top.index++];
      if (entry === undefined) {
        stack.pop();
        continue;
      }
      if (entry.type === 'dir') {
        if (filter && !filter.mayContainAccepted(entry.path)) continue;
        this.enter = entry.path;
        return entry;
      }
      if (filter && !filter.accepts(entry.path)) continue;
      return entry;
    }
    return undefined;
  }

  private async listed(path: string): Promise<WalkedEntry[]> {
    const { location, signal, options } = this;
    const onTemporaries = options.onTemporaries;
    const temporaries: string[] = [];
    let entries = await location.list(
      path,
      signal,
      onTemporaries && { onTemporary: (name) => void temporaries.push(name) },
    );
    if (onTemporaries && temporaries.length > 0) onTemporaries(path, temporaries);
    if (!options.lazyMetadata) entries = await loadPending(location, entries, signal);
    entries = sortByName(entries);
    return options.caseInsensitive ? markCaseClashes(entries) : entries;
  }
}

/** The entries with every pending one's metadata loaded; those gone since the listing left out. */
async function loadPending(
  location: Location,
  entries: EntryInfo[],
  signal: AbortSignal,
): Promise<EntryInfo[]> {
  const load = location.loadMetadata?.bind(location);
  if (!load || !entries.some((e) => e.metadataPending)) return entries;
  const loaded = await mapBounded(entries, METADATA_LOADS_IN_FLIGHT, (entry) =>
    entry.metadataPending ? load(entry, signal) : Promise.resolve(entry),
  );
  return loaded.filter((e): e is EntryInfo => e !== null);
}

/**
 * One folder's sorted entries with every name that equals an earlier sibling's but for case
 * turned into a name clash. Problem entries (stand-in names) take no part. Windows compares
 * names upper-cased; toUpperCase is the same for the characters names use in practice.
 */
function markCaseClashes(entries: EntryInfo[]): WalkedEntry[] {
  const first = new Map<string, string>();
  return entries.map((entry) => {
    if (entry.problem !== undefined) return entry;
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    const key = name.toUpperCase();
    const taken = first.get(key);
    if (taken === undefined) {
      first.set(key, name);
      return entry;
    }
    const what = entry.type === 'dir' ? 'folder (and everything in it)' : entry.type;
    return {
      ...entry,
      type: 'other',
      nameClash: true,
      problem: `not copied: the destination ignores case, and this ${what}'s name "${name}" differs from "${taken}" only in case (only "${taken}" is copied)`,
    };
  });
}
