import { create } from 'zustand';
import type { ErrorInfo } from '../../src-shared/errors';
import type { Result } from '../../src-shared/ipc/result';
import type { ExecutionRecord } from '../../src-shared/model/execution';
import type { SavedLocation } from '../../src-shared/model/location-config';
import type { PresetImportResult } from '../../src-shared/model/preset';
import type { Task } from '../../src-shared/model/task';
import { invoke } from '../lib/api-client';
import { folderLabel, samePath } from '../lib/dropped-paths';
import { saveFile } from '../lib/save-file';
import { useLocationsStore } from './locations-store';
import { navigate } from './nav-store';

/*
 * The saved tasks (presets) and what the task list shows beside each: its last execution and the
 * next run of its schedule. Also the location helpers the task editor and the window's drop zone
 * share (a dragged folder -> a saved location), so both make locations the same way.
 */

/** The custom event the menu and the Ctrl+O shortcut dispatch to open the preset file chooser. */
export const IMPORT_PRESET_EVENT = 'dataferry:import-preset';

interface TasksState {
  /** Saved tasks, in name order (as main lists them). */
  tasks: Task[];
  loaded: boolean;
  /** Why the list could not be loaded, or null. */
  error: ErrorInfo | null;
  /** Each task's latest execution (null: never ran), once known. */
  lastRuns: Record<string, ExecutionRecord | null>;
  /** Each scheduled task's next run (epoch ms), once known. */
  nextRuns: Record<string, number>;
  /** Set by the import event; the task list opens the file chooser and clears it. */
  importRequested: boolean;
  /** Loads (or reloads) the tasks, the locations they name, last runs and next runs. */
  load(): Promise<void>;
  /** Deletes a task (main refuses while it runs). */
  remove(id: string): Promise<Result<null>>;
  /** Starts a task and, once main accepted, shows its execution. */
  run(id: string): Promise<Result<ExecutionRecord>>;
  /** Hands the task's preset file to the user (download / save dialog). */
  exportPreset(id: string): Promise<Result<unknown>>;
  /** Saves what a preset file describes; reloads the lists on success. */
  importPreset(content: string): Promise<Result<PresetImportResult>>;
  /** Keeps a task's latest execution current (from execution:updated). */
  noteExecution(record: ExecutionRecord): void;
  clearImportRequest(): void;
}

let latestLoad = 0;

export const useTasksStore = create<TasksState>((set, get) => ({
  tasks: [],
  loaded: false,
  error: null,
  lastRuns: {},
  nextRuns: {},
  importRequested: false,

  async load() {
    const request = ++latestLoad;
    const [result] = await Promise.all([
      invoke('tasks:list', {}),
      useLocationsStore.getState().load(),
    ]);
    if (request !== latestLoad) return;
    if (!result.ok) {
      set({ loaded: true, error: result.error });
      return;
    }
    const tasks = result.value;
    set({ tasks, loaded: true, error: null });

    // The extras come in per task; a failure only leaves that task's extra blank.
    const [runs, nexts] = await Promise.all([
      Promise.all(tasks.map((t) => invoke('executions:list', { taskId: t.id, limit: 1 }))),
      Promise.all(
        tasks.map((t) =>
          t.schedule?.enabled
            ? invoke('tasks:next-runs', { cron: t.schedule.cron, count: 1 })
            : Promise.resolve(null),
        ),
      ),
    ]);
    if (request !== latestLoad) return;
    const lastRuns: Record<string, ExecutionRecord | null> = {};
    const nextRuns: Record<string, number> = {};
    tasks.forEach((task, i) => {
      const run = runs[i];
      if (run?.ok) lastRuns[task.id] = run.value[0] ?? null;
      const next = nexts[i];
      if (next?.ok && next.value[0] !== undefined) nextRuns[task.id] = next.value[0];
    });
    set({ lastRuns, nextRuns });
  },

  async remove(id) {
    const result = await invoke('tasks:delete', { id });
    if (result.ok) set({ tasks: get().tasks.filter((t) => t.id !== id) });
    return result;
  },

  async run(id) {
    const result = await invoke('executions:start', { taskId: id });
    if (result.ok) {
      get().noteExecution(result.value);
      navigate({ view: 'execution', executionId: result.value.id });
    }
    return result;
  },

  async exportPreset(id) {
    const result = await invoke('presets:export', { id });
    if (result.ok) saveFile(result.value);
    return result;
  },

  async importPreset(content) {
    const result = await invoke('presets:import', { content });
    if (result.ok) await get().load();
    return result;
  },

  noteExecution(record) {
    if (!record.taskId) return;
    const current = get().lastRuns[record.taskId];
    // Only a newer (or the same) execution replaces the one shown.
    if (current && current.id !== record.id && current.startTime > record.startTime) return;
    set({ lastRuns: { ...get().lastRuns, [record.taskId]: record } });
  },

  clearImportRequest() {
    set({ importRequested: false });
  },
}));

// Registered once, at startup: the menu dispatches the event right after navigating to the task
// list, before the list has mounted, so the request waits in the store until the list takes it.
if (typeof window !== 'undefined') {
  window.addEventListener(IMPORT_PRESET_EVENT, () =>
    useTasksStore.setState({ importRequested: true }),
  );
}

/**
 * The saved location for a folder of this computer: an existing local location with the same
 * path, else a new one named after the folder.
 */
export async function ensureLocalLocation(
  path: string,
  label?: string,
): Promise<Result<SavedLocation>> {
  const locations = useLocationsStore.getState();
  if (!locations.loaded) await locations.load();
  const existing = useLocationsStore
    .getState()
    .locations.find((l) => l.config.kind === 'local' && samePath(l.config.path, path));
  if (existing) return { ok: true, value: existing };
  const name = (label ?? '').trim() || folderLabel(path);
  return useLocationsStore.getState().create({ name, config: { kind: 'local', path } });
}

/**
 * The saved location for a folder inside a saved one ('' = the location itself); main reuses an
 * identical derived location.
 */
export async function locationForFolder(
  locationId: string,
  path: string,
): Promise<Result<SavedLocation>> {
  const locations = useLocationsStore.getState();
  if (path === '') {
    const known = locations.byId(locationId);
    if (known) return { ok: true, value: known };
    return invoke('locations:get', { id: locationId });
  }
  const result = await invoke('locations:derive', { id: locationId, path });
  if (!result.ok) return result;
  await useLocationsStore.getState().load();
  // A list that answered without it (an error, a race) must still let a slot show it.
  const after = useLocationsStore.getState();
  if (!after.byId(result.value.id)) {
    useLocationsStore.setState({ locations: [...after.locations, result.value] });
  }
  return result;
}
