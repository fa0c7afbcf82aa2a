import { create } from 'zustand';
import type { RequestOf } from '../../src-shared/ipc/contract';
import type { Result } from '../../src-shared/ipc/result';
import type { ErrorInfo } from '../../src-shared/errors';
import type { SavedLocation } from '../../src-shared/model/location-config';
import { invoke } from '../lib/api-client';

/*
 * The saved locations, shared by every screen that lists or picks one (the Locations screen,
 * the task editor, the browser pane). Mutations answer the channel's Result so a form can show
 * its own error next to its fields; the last failure is also kept in `error`.
 */

interface LocationsState {
  /** Saved locations, sorted by name. */
  locations: SavedLocation[];
  /** True once a load has answered (successfully or not). */
  loaded: boolean;
  loading: boolean;
  /** The last failure of any operation, cleared by the next success. */
  error: ErrorInfo | null;
  /** Loads (or reloads) the list; callers need not care whether it was loaded before. */
  load(): Promise<void>;
  /** The same as load(), for readers who mean "again". */
  refresh(): Promise<void>;
  /** The saved location with this id, if it is in the list. */
  byId(id: string): SavedLocation | undefined;
  create(request: RequestOf<'locations:create'>): Promise<Result<SavedLocation>>;
  update(request: RequestOf<'locations:update'>): Promise<Result<SavedLocation>>;
  remove(id: string): Promise<Result<null>>;
  test(request: RequestOf<'locations:test'>): Promise<Result<{ message: string }>>;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const byName = (a: SavedLocation, b: SavedLocation): number => collator.compare(a.name, b.name);

let latestLoad = 0;

export const useLocationsStore = create<LocationsState>((set, get) => {
  /** Puts a created or updated location in the list, in name order. */
  const upsert = (location: SavedLocation): void => {
    const others = get().locations.filter((l) => l.id !== location.id);
    set({ locations: [...others, location].sort(byName), error: null });
  };
  const failed = <T>(result: Result<T>): Result<T> => {
    if (!result.ok) set({ error: result.error });
    return result;
  };

  return {
    locations: [],
    loaded: false,
    loading: false,
    error: null,

    async load() {
      const request = ++latestLoad;
      set({ loading: true });
      const result = await invoke('locations:list', {});
      // Two loads in flight (two screens mounting): only the latest answer counts.
      if (request !== latestLoad) return;
      if (result.ok) {
        set({
          locations: [...result.value].sort(byName),
          loaded: true,
          loading: false,
          error: null,
        });
      } else {
        set({ loaded: true, loading: false, error: result.error });
      }
    },

    refresh() {
      return get().load();
    },

    byId(id) {
      return get().locations.find((l) => l.id === id);
    },

    async create(request) {
      const result = await invoke('locations:create', request);
      if (result.ok) upsert(result.value);
      return failed(result);
    },

    async update(request) {
      const result = await invoke('locations:update', request);
      if (result.ok) upsert(result.value);
      return failed(result);
    },

    async remove(id) {
      const result = await invoke('locations:delete', { id });
      if (result.ok) {
        set({ locations: get().locations.filter((l) => l.id !== id), error: null });
      }
      return failed(result);
    },

    async test(request) {
      return failed(await invoke('locations:test', request));
    },
  };
});
