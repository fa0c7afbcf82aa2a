import type { EntryInfo, Location } from '../locations/location';
import type { PathFilter } from './filters';
import { sortByName } from './tree-order';

export interface WalkOptions {
  filter?: PathFilter;
  /** Called for a folder that cannot be listed; the walk goes on without its contents. */
  onUnreadable?: (path: string, error: unknown) => void;
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
): AsyncGenerator<EntryInfo> {
  const filter = options.filter;
  // A stack of sorted listings, each consumed from the front.
  const stack: { entries: EntryInfo[]; index: number }[] = [
    { entries: sortByName(await location.list('', signal)), index: 0 },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { entries: EntryInfo[]; index: number };
    const entry = top.entries[top.index++];
    if (entry === undefined) {
      stack.pop();
      continue;
    }
    if (entry.type === 'dir') {
      if (filter && !filter.mayContainAccepted(entry.path)) continue;
      yield entry;
      try {
        stack.push({ entries: sortByName(await location.list(entry.path, signal)), index: 0 });
      } catch (error) {
        if (signal.aborted || !options.onUnreadable) throw error;
        options.onUnreadable(entry.path, error);
      }
      continue;
    }
    if (filter && !filter.accepts(entry.path)) continue;
    yield entry;
  }
}
