import { create } from 'zustand';
import type { ErrorInfo } from '../../src-shared/errors';
import type { Entry, Listing } from '../../src-shared/model/entry';
import { invoke } from '../lib/api-client';
import { parentOf } from '../lib/os-path';

export type SortKey = 'name' | 'size' | 'mtime' | 'kind';
export interface Sort {
  key: SortKey;
  descending: boolean;
}

interface BrowserState {
  /** The folder shown, or being opened. */
  path: string | null;
  listing: Listing | null;
  loading: boolean;
  error: ErrorInfo | null;
  /** Folders visited before this one, for Back. */
  back: string[];
  showHidden: boolean;
  sort: Sort;
  open(path: string): Promise<void>;
  goUp(): Promise<void>;
  goBack(): Promise<void>;
  refresh(): Promise<void>;
  toggleHidden(): Promise<void>;
  sortBy(key: SortKey): void;
}

const MAX_BACK = 100;
let latestRequest = 0;

async function load(
  path: string,
  showHidden: boolean,
  set: (partial: Partial<BrowserState>) => void,
): Promise<boolean> {
  const request = ++latestRequest;
  set({ path, loading: true });
  const result = await invoke('fs:list', { path, showHidden });
  // A slower answer for a folder the user already left must not overwrite the newer one.
  if (request !== latestRequest) return false;
  if (result.ok)
    set({ path: result.value.path, listing: result.value, error: null, loading: false });
  else set({ listing: null, error: result.error, loading: false });
  return result.ok;
}

export const useBrowserStore = create<BrowserState>((set, get) => ({
  path: null,
  listing: null,
  loading: false,
  error: null,
  back: [],
  showHidden: false,
  sort: { key: 'name', descending: false },

  async open(path) {
    const from = get().path;
    if (from !== null && from !== path) set({ back: [...get().back, from].slice(-MAX_BACK) });
    await load(path, get().showHidden, set);
  },
  async goUp() {
    const { path } = get();
    const parent = path ? parentOf(path) : null;
    if (parent) await get().open(parent);
  },
  async goBack() {
    const back = [...get().back];
    const previous = back.pop();
    if (previous === undefined) return;
    set({ back });
    await load(previous, get().showHidden, set);
  },
  async refresh() {
    const { path } = get();
    if (path) await load(path, get().showHidden, set);
  },
  async toggleHidden() {
    set({ showHidden: !get().showHidden });
    await get().refresh();
  },
  sortBy(key) {
    const { sort } = get();
    set({ sort: { key, descending: sort.key === key ? !sort.descending : false } });
  },
}));

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function isFolder(entry: Entry): boolean {
  return entry.kind === 'dir' || (entry.kind === 'symlink' && entry.targetIsDir === true);
}

/** Folders first, then by the chosen column; ties by name. Pure, for the table and tests. */
export function sortEntries(entries: readonly Entry[], sort: Sort): Entry[] {
  const direction = sort.descending ? -1 : 1;
  const byKey = (a: Entry, b: Entry): number => {
    switch (sort.key) {
      case 'size':
        return a.size - b.size;
      case 'mtime':
        return a.mtimeMs - b.mtimeMs;
      case 'kind':
        return collator.compare(a.kind, b.kind);
      case 'name':
        return 0;
    }
  };
  return [...entries].sort((a, b) => {
    const folders = Number(isFolder(b)) - Number(isFolder(a));
    if (folders !== 0) return folders;
    return direction * (byKey(a, b) || collator.compare(a.name, b.name));
  });
}

export { isFolder };
