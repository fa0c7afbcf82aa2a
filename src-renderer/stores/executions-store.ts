import { create } from 'zustand';
import type { RequestOf } from '../../src-shared/ipc/contract';
import type { Result } from '../../src-shared/ipc/result';
import {
  isFinalStatus,
  type ExecutionProgress,
  type ExecutionRecord,
  type FileProgress,
} from '../../src-shared/model/execution';
import { invoke, on } from '../lib/api-client';

/*
 * Executions as the UI sees them: records by id (merged from executions:list/get answers and the
 * execution:updated / execution:progress events), and for running executions a per-file model and
 * a throughput series. Events are buffered and applied together at most once per animation frame:
 * a run of 100,000 files sends ~10 events a second with up to 500 files each, and React must see
 * one change per frame, not one per file. Nothing is dropped: every buffered event is applied, in
 * arrival order, before the frame is published.
 */

export type FileState = FileProgress['state'];

/** A file of the live model: its latest progress and its row (index in `order`). */
export interface TrackedFile extends FileProgress {
  readonly index: number;
}

/** The live per-file model of one execution: mutated in place, published by `version`. */
export interface FileModel {
  /** The latest state of each file seen in a progress event. */
  readonly byPath: Map<string, TrackedFile>;
  /** Paths in order of first arrival (the table's row order). */
  readonly order: string[];
  /** How many files are in each state, kept as states change. */
  readonly counts: Record<FileState, number>;
  /**
   * The first row still queued or in progress (order.length when none): where the table follows
   * the run. Files finish roughly in order, so keeping it costs O(1) per file on average.
   */
  firstActive: number;
  /** Bumped each time a frame changed this model. */
  version: number;
}

const FINISHED: ReadonlySet<FileState> = new Set(['done', 'skipped', 'failed']);

/** Throughput over time: seconds since the epoch and bytes per second, oldest first. */
export interface ThroughputSeries {
  readonly times: number[];
  readonly values: number[];
}

/** What only progress events say: the current rate and the time left. */
export interface LiveInfo {
  throughput: number;
  etaSeconds: number | null;
}

/** How many progress events arrived and how many were applied (a benchmark compares them). */
export interface ProgressStats {
  received: number;
  applied: number;
}

declare global {
  interface Window {
    /** Read by the UI benchmark to prove that no progress update was dropped. */
    dataferryStats?: ProgressStats;
  }
}

interface ExecutionsState {
  records: Record<string, ExecutionRecord>;
  live: Record<string, LiveInfo>;
  /** Bumped once per applied frame; file models and series changed when it moves. */
  frame: number;
}

/** Records, live figures and a frame counter; the heavy per-file data lives outside React. */
export const useExecutionsStore = create<ExecutionsState>(() => ({
  records: {},
  live: {},
  frame: 0,
}));

/** Ten minutes of throughput samples are enough for the chart. */
const SERIES_SECONDS = 600;
/** rAF does not run in a hidden window: apply at least this often anyway. */
const FALLBACK_FLUSH_MS = 250;
/** A fetched record never replaces what an event said this recently (events are as fresh). */
const EVENT_FRESHNESS_MS = 2000;

type Buffered =
  | { kind: 'progress'; at: number; progress: ExecutionProgress }
  | { kind: 'updated'; at: number; record: ExecutionRecord };

const stats: ProgressStats = { received: 0, applied: 0 };
if (typeof window !== 'undefined') window.dataferryStats = stats;

const models = new Map<string, FileModel>();
const series = new Map<string, ThroughputSeries>();
const watchers = new Map<string, number>();
const eventAt = new Map<string, number>();
const fetching = new Set<string>();
let buffer: Buffered[] = [];
let frameId: number | null = null;
let timerId: ReturnType<typeof setTimeout> | null = null;
let unsubscribers: (() => void)[] = [];

/** Subscribes to the execution events; calling it again does nothing. */
export function startExecutionsStore(): void {
  if (unsubscribers.length > 0) return;
  unsubscribers = [
    on('execution:progress', (progress) => {
      stats.received++;
      buffer.push({ kind: 'progress', at: Date.now(), progress });
      schedule();
    }),
    on('execution:updated', (record) => {
      buffer.push({ kind: 'updated', at: Date.now(), record });
      schedule();
    }),
  ];
}

/** Unsubscribes and forgets everything (tests). */
export function resetExecutionsStore(): void {
  for (const unsubscribe of unsubscribers) unsubscribe();
  unsubscribers = [];
  cancelSchedule();
  buffer = [];
  models.clear();
  series.clear();
  watchers.clear();
  eventAt.clear();
  fetching.clear();
  stats.received = 0;
  stats.applied = 0;
  useExecutionsStore.setState({ records: {}, live: {}, frame: 0 });
}

/** The progress event counters (also on `window.dataferryStats`). */
export function progressStats(): Readonly<ProgressStats> {
  return stats;
}

/**
 * Keeps the per-file model of an execution while the returned release function has not been
 * called (the execution view holds it). Models of ended, unwatched executions are dropped: their
 * task report is the record from then on.
 */
export function watchExecution(id: string): () => void {
  watchers.set(id, (watchers.get(id) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (watchers.get(id) ?? 1) - 1;
    if (left > 0) {
      watchers.set(id, left);
      return;
    }
    watchers.delete(id);
    const record = useExecutionsStore.getState().records[id];
    if (record && isFinalStatus(record.status)) models.delete(id);
  };
}

/** The live per-file model of an execution, if progress events brought files for it. */
export function fileModel(id: string): FileModel | undefined {
  return models.get(id);
}

/** The throughput samples received for an execution (empty when it was never watched live). */
export function throughputSeries(id: string): ThroughputSeries | undefined {
  return series.get(id);
}

/** Loads one execution (executions:get) into the store. */
export async function loadExecution(id: string): Promise<Result<ExecutionRecord>> {
  const result = await invoke('executions:get', { id });
  if (result.ok) mergeFetched([result.value]);
  return result;
}

/** Loads a page of the history (executions:list, newest first) into the store. */
export async function loadExecutions(
  query: RequestOf<'executions:list'>,
): Promise<Result<ExecutionRecord[]>> {
  const result = await invoke('executions:list', query);
  if (result.ok) mergeFetched(result.value);
  return result;
}

/** Puts a record a call answered (cancel, set-bandwidth, start) into the store. */
export function mergeExecutionRecord(record: ExecutionRecord): void {
  mergeFetched([record], true);
}

/** Applies every buffered event now (also what the scheduled frame does). */
export function flushExecutionEvents(): void {
  cancelSchedule();
  if (buffer.length === 0) return;
  const events = buffer;
  buffer = [];
  const state = useExecutionsStore.getState();
  const records = { ...state.records };
  const live = { ...state.live };
  const missing: string[] = [];
  const touched = new Set<string>();
  for (const event of events) {
    if (event.kind === 'updated') {
      records[event.record.id] = event.record;
      eventAt.set(event.record.id, event.at);
      if (isFinalStatus(event.record.status)) {
        delete live[event.record.id];
        if (!watchers.has(event.record.id)) models.delete(event.record.id);
      }
      continue;
    }
    const p = event.progress;
    const record = records[p.executionId];
    if (record && !isFinalStatus(record.status)) {
      records[p.executionId] = {
        ...record,
        status: p.status,
        phases: p.phases,
        counters: p.counters,
      };
      eventAt.set(p.executionId, event.at);
    } else if (!record) {
      missing.push(p.executionId);
    }
    live[p.executionId] = { throughput: p.throughput, etaSeconds: p.etaSeconds };
    addSample(p.executionId, event.at, p.throughput);
    if (p.files.length > 0) {
      applyFiles(p.executionId, p.files);
      touched.add(p.executionId);
    }
    stats.applied++;
  }
  for (const id of touched) {
    const model = models.get(id);
    if (!model) continue;
    advanceFirstActive(model);
    model.version++;
  }
  useExecutionsStore.setState({ records, live, frame: state.frame + 1 });
  for (const id of new Set(missing)) fetchOnce(id);
}

function schedule(): void {
  if (timerId !== null) return;
  timerId = setTimeout(flushExecutionEvents, FALLBACK_FLUSH_MS);
  if (typeof requestAnimationFrame === 'function') {
    frameId = requestAnimationFrame(() => flushExecutionEvents());
  }
}

function cancelSchedule(): void {
  if (timerId !== null) clearTimeout(timerId);
  if (frameId !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frameId);
  timerId = null;
  frameId = null;
}

function applyFiles(id: string, files: FileProgress[]): void {
  let model = models.get(id);
  if (!model) {
    model = {
      byPath: new Map(),
      order: [],
      counts: { queued: 0, transferring: 0, verifying: 0, done: 0, skipped: 0, failed: 0 },
      firstActive: 0,
      version: 0,
    };
    models.set(id, model);
  }
  for (const file of files) {
    const known = model.byPath.get(file.path);
    if (known) {
      // In place: the table reads rows through the map, so no 100k-element copy per frame.
      if (known.state !== file.state) {
        model.counts[known.state]--;
        model.counts[file.state]++;
      }
      known.size = file.size;
      known.bytesDone = file.bytesDone;
      known.state = file.state;
      // A file can start again after it finished (verification): the follow point moves back.
      if (!FINISHED.has(file.state) && known.index < model.firstActive)
        model.firstActive = known.index;
    } else {
      model.byPath.set(file.path, { ...file, index: model.order.length });
      model.order.push(file.path);
      model.counts[file.state]++;
    }
  }
}

function advanceFirstActive(model: FileModel): void {
  let i = model.firstActive;
  while (i < model.order.length) {
    const file = model.byPath.get(model.order[i] ?? '');
    if (file && !FINISHED.has(file.state)) break;
    i++;
  }
  model.firstActive = i;
}

function addSample(id: string, at: number, bytesPerSecond: number): void {
  let s = series.get(id);
  if (!s) {
    s = { times: [], values: [] };
    series.set(id, s);
  }
  const seconds = at / 1000;
  s.times.push(seconds);
  s.values.push(bytesPerSecond);
  // Trim in chunks, not one shift per sample.
  const first = s.times[0] ?? seconds;
  if (seconds - first > SERIES_SECONDS + 60) {
    const keepFrom = s.times.findIndex((t) => t >= seconds - SERIES_SECONDS);
    s.times.splice(0, keepFrom);
    s.values.splice(0, keepFrom);
  }
}

/**
 * Merges fetched records. A fetched copy may be older than the last event (it was read from the
 * database up to a second earlier), so it does not replace a recent event's view of a running
 * execution (unless `authoritative`: the answer to our own call), and never an ended one with a
 * running one.
 */
function mergeFetched(fetched: ExecutionRecord[], authoritative = false): void {
  const { records } = useExecutionsStore.getState();
  const now = Date.now();
  let changed = false;
  const next = { ...records };
  for (const record of fetched) {
    const known = records[record.id];
    if (known) {
      if (isFinalStatus(known.status) && !isFinalStatus(record.status)) continue;
      const recent = now - (eventAt.get(record.id) ?? 0) < EVENT_FRESHNESS_MS;
      if (recent && !authoritative && !isFinalStatus(record.status)) continue;
    }
    next[record.id] = record;
    changed = true;
  }
  if (changed) useExecutionsStore.setState({ records: next });
}

function fetchOnce(id: string): void {
  if (fetching.has(id)) return;
  fetching.add(id);
  void loadExecution(id).finally(() => fetching.delete(id));
}
