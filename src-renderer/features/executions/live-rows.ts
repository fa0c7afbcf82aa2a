import { useEffect, useRef, useState } from 'react';
import type { FileProgress } from '../../../src-shared/model/execution';
import type { FileModel, FileState } from '../../stores/executions-store';

/** What the live table can show: every file, or the ones in some states. */
export type LiveFilter = 'all' | 'active' | 'queued' | 'done' | 'skipped' | 'failed';

export const LIVE_FILTERS: { value: LiveFilter; label: string }[] = [
  { value: 'all', label: 'All files' },
  { value: 'active', label: 'In progress' },
  { value: 'queued', label: 'Queued' },
  { value: 'done', label: 'Done' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'failed', label: 'Failed' },
];

const STATES: Record<LiveFilter, readonly FileState[] | null> = {
  all: null,
  active: ['transferring', 'verifying'],
  queued: ['queued'],
  done: ['done'],
  skipped: ['skipped'],
  failed: ['failed'],
};

/** A filtered view is recomputed (an O(n) pass) at most this often while files change. */
const REFILTER_MS = 400;

export interface LiveRows {
  count: number;
  fileAt(index: number): FileProgress | undefined;
}

/**
 * The rows of the live per-file table. Unfiltered, rows are the model's own arrival-ordered
 * paths (nothing is copied); filtered, an index of matching paths is rebuilt at most every
 * 400 ms, so 100,000 files cost one pass per refresh, not one per event.
 */
export function useLiveRows(
  model: FileModel | undefined,
  version: number,
  filter: LiveFilter,
  search: string,
): LiveRows {
  const filtered = filter !== 'all' || search !== '';
  const [paths, setPaths] = useState<string[]>([]);
  const lastRun = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const criteria = `${filter}\u0000${search}`;
  const lastCriteria = useRef(criteria);

  useEffect(() => {
    if (!filtered || !model) return undefined;
    const run = (): void => {
      timer.current = null;
      lastRun.current = Date.now();
      setPaths(matching(model, STATES[filter], search.toLowerCase()));
    };
    const changedCriteria = lastCriteria.current !== criteria;
    lastCriteria.current = criteria;
    const wait = lastRun.current + REFILTER_MS - Date.now();
    if (changedCriteria || wait <= 0) {
      if (timer.current) clearTimeout(timer.current);
      run();
    } else if (!timer.current) {
      timer.current = setTimeout(run, wait);
    }
    return undefined;
  }, [filtered, model, version, filter, search, criteria]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  if (!model) return { count: 0, fileAt: () => undefined };
  if (!filtered) {
    const { order, byPath } = model;
    return { count: order.length, fileAt: (i) => byPath.get(order[i] ?? '') };
  }
  return { count: paths.length, fileAt: (i) => model.byPath.get(paths[i] ?? '') };
}

function matching(model: FileModel, states: readonly FileState[] | null, search: string): string[] {
  const out: string[] = [];
  for (const path of model.order) {
    if (search && !path.toLowerCase().includes(search)) continue;
    const file = model.byPath.get(path);
    if (file && (!states || states.includes(file.state))) out.push(path);
  }
  return out;
}
