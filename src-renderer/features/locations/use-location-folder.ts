import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { Result } from '../../../src-shared/ipc/result';
import type { Entry, NetworkMount } from '../../../src-shared/model/entry';
import { invoke } from '../../lib/api-client';
import { joinPath, parentOf } from '../../lib/os-path';
import { sortEntries, type Sort, type SortKey } from '../../stores/browser-store';

/*
 * The state of one folder browser (the location browser page, the task editor's side pane, the
 * editor's folder picker): which folder is shown, its entries, Back, Up, sort, and loading and
 * errors. Each instance is its own state (not a global store), so two browsers never disturb
 * each other; an answer for a folder the user already left is dropped.
 */

/** What to browse: a folder of this computer (absolute OS paths) or a saved location. */
export type FolderTarget =
  | { kind: 'local'; start: string }
  /** Paths are relative to the location's root, '/'-separated ('' = the root). */
  | { kind: 'location'; locationId: string; start?: string };

/** One folder's listing, for either kind of target. */
export interface FolderListing {
  path: string;
  parent: string | null;
  entries: Entry[];
  /** Entries that could not be examined (local folders only). */
  skipped: number;
  /** The OS-mounted share a local folder lives on, if any. */
  networkMount: NetworkMount | null;
  /** More entries follow (a large folder of a store that lists in pages): the cursor for them. */
  next?: string;
}

export interface LocationFolder {
  /** The folder shown or being opened; null before the first open. */
  path: string | null;
  listing: FolderListing | null;
  /** The listing's entries, folders first, in the chosen order. */
  entries: Entry[];
  loading: boolean;
  error: ErrorInfo | null;
  /** Folders visited before this one, for Back (the last is the previous one). */
  back: string[];
  sort: Sort;
  /** The folder Up goes to, or null at the root. */
  parentPath: string | null;
  open(path: string): void;
  /** Opens a folder entry of the current listing. */
  openEntry(entry: Entry): void;
  up(): void;
  goBack(): void;
  refresh(): void;
  sortBy(key: SortKey): void;
  /** The path of an entry of the current folder (absolute for local, relative otherwise). */
  childPath(name: string): string;
}

const MAX_BACK = 100;

interface State {
  path: string | null;
  listing: FolderListing | null;
  loading: boolean;
  error: ErrorInfo | null;
  back: string[];
  sort: Sort;
}

const INITIAL: State = {
  path: null,
  listing: null,
  loading: false,
  error: null,
  back: [],
  sort: { key: 'name', descending: false },
};

/** A relative folder and a child name: "a/b" + "c" = "a/b/c"; "" + "c" = "c". */
export function joinRelative(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** The parent of a relative path, or null at the root (''). */
export function parentOfRelative(path: string): string | null {
  if (path === '') return null;
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Reads one folder of a target, as one listing shape for both kinds. */
async function fetchFolder(target: FolderTarget, path: string): Promise<Result<FolderListing>> {
  if (target.kind === 'local') {
    const result = await invoke('fs:list', { path });
    if (!result.ok) return result;
    const { entries, parent, skipped, networkMount } = result.value;
    return {
      ok: true,
      value: {
        path: result.value.path,
        parent,
        entries,
        skipped,
        networkMount: networkMount ?? null,
      },
    };
  }
  return fetchLocationPart(target.locationId, path);
}

/** One part of a saved location's folder: the first (no cursor) or the one `cursor` names. */
async function fetchLocationPart(
  locationId: string,
  path: string,
  cursor?: string,
): Promise<Result<FolderListing>> {
  const result = await invoke('locations:browse', {
    target: { id: locationId },
    path,
    ...(cursor !== undefined && { cursor }),
  });
  if (!result.ok) return result;
  const { entries, parent, next } = result.value;
  return {
    ok: true,
    value: {
      path: result.value.path,
      parent,
      entries,
      skipped: 0,
      networkMount: null,
      ...(next !== undefined && { next }),
    },
  };
}

/** A key that changes exactly when the target does (objects are recreated on every render). */
function keyOf(target: FolderTarget | null): string {
  if (target === null) return '';
  return target.kind === 'local'
    ? `local:${target.start}`
    : `location:${target.locationId}:${target.start ?? ''}`;
}

/**
 * A folder browser's state over `target`: opens the target's start folder, and again whenever
 * the target changes. A null target (e.g. the home folder is not known yet) shows nothing.
 */
export function useLocationFolder(target: FolderTarget | null): LocationFolder {
  const [state, setState] = useState<State>(INITIAL);
  const latest = useRef(0);
  const targetRef = useRef(target);
  targetRef.current = target;
  const stateRef = useRef(state);
  stateRef.current = state;
  const key = keyOf(target);

  const load = useCallback(async (path: string): Promise<void> => {
    const current = targetRef.current;
    if (current === null) return;
    const request = ++latest.current;
    setState((s) => ({ ...s, path, loading: true }));
    const result = await fetchFolder(current, path);
    // A slower answer for a folder (or a target) the user already left must not win.
    if (request !== latest.current) return;
    setState((s) =>
      result.ok
        ? { ...s, path: result.value.path, listing: result.value, loading: false, error: null }
        : { ...s, listing: null, loading: false, error: result.error },
    );
    // A large folder comes in parts: the rows shown grow as each arrives.
    let next = result.ok ? result.value.next : undefined;
    while (next !== undefined && current.kind === 'location') {
      const more = await fetchLocationPart(current.locationId, path, next);
      if (request !== latest.current) return;
      if (!more.ok) {
        setState((s) => ({ ...s, error: more.error }));
        return;
      }
      next = more.value.next;
      const { entries } = more.value;
      setState((s) =>
        s.listing
          ? {
              ...s,
              listing: { ...s.listing, entries: [...s.listing.entries, ...entries], next },
            }
          : s,
      );
    }
  }, []);

  useEffect(() => {
    const current = targetRef.current;
    setState(INITIAL);
    if (current !== null) {
      void load(current.kind === 'local' ? current.start : (current.start ?? ''));
    }
    // Leaving the target (or unmounting) turns answers still in flight into stale ones.
    return () => {
      latest.current++;
    };
  }, [key, load]);

  const open = useCallback(
    (path: string): void => {
      const from = stateRef.current.path;
      if (from !== null && from !== path) {
        setState((s) => ({ ...s, back: [...s.back, from].slice(-MAX_BACK) }));
      }
      void load(path);
    },
    [load],
  );

  const isLocal = target?.kind === 'local';
  const childPath = useCallback(
    (name: string): string => {
      const folder = stateRef.current.listing?.path ?? stateRef.current.path ?? '';
      return isLocal ? joinPath(folder, name) : joinRelative(folder, name);
    },
    [isLocal],
  );

  const parentPath = useMemo((): string | null => {
    if (state.listing) return state.listing.parent;
    if (state.path === null) return null;
    return isLocal ? parentOf(state.path) : parentOfRelative(state.path);
  }, [state.listing, state.path, isLocal]);

  const entries = useMemo(
    () => sortEntries(state.listing?.entries ?? [], state.sort),
    [state.listing, state.sort],
  );

  return {
    ...state,
    entries,
    parentPath,
    open,
    openEntry: (entry) => open(childPath(entry.name)),
    up: () => {
      if (parentPath !== null) open(parentPath);
    },
    goBack: () => {
      const previous = stateRef.current.back.at(-1);
      if (previous === undefined) return;
      setState((s) => ({ ...s, back: s.back.slice(0, -1) }));
      void load(previous);
    },
    refresh: () => {
      const { path } = stateRef.current;
      if (path !== null) void load(path);
    },
    sortBy: (sortKey) =>
      setState((s) => ({
        ...s,
        sort: { key: sortKey, descending: s.sort.key === sortKey ? !s.sort.descending : false },
      })),
    childPath,
  };
}
