import {
  isFinalStatus,
  type ExecutionCounters,
  type ExecutionProgress,
  type ExecutionRecord,
  type ExecutionStatus,
} from '../../src-shared/model/execution';

/*
 * What the taskbar (Windows), dock (macOS) or launcher (Unity) progress bar shows for the
 * executions running now. Pure: no electron, so it is tested on its own; taskbar-progress.ts
 * applies it to the window.
 */

/** The bar: hidden, busy without a measure, a fraction done, or red for a moment after a failure. */
export type TaskbarProgress =
  | { mode: 'none' }
  | { mode: 'indeterminate' }
  | { mode: 'normal'; fraction: number }
  | { mode: 'error' };

/** One execution as the bar needs it (an `execution:updated` or `execution:progress` payload). */
export interface RunningExecution {
  status: ExecutionStatus;
  counters: ExecutionCounters;
}

const MEASURED: readonly ExecutionStatus[] = ['TRANSFERRING', 'VERIFYING'];
const BUSY: readonly ExecutionStatus[] = ['LAUNCHING', 'PREPARING', 'CANCELLING'];

/**
 * Work done and to do of one execution in its phase: bytes (files when it moves no bytes);
 * null when nothing can be measured yet.
 */
function measure(e: RunningExecution): { done: number; total: number } | null {
  const c = e.counters;
  if (e.status === 'TRANSFERRING') {
    if (c.EstimatedBytesToTransfer > 0)
      return { done: c.BytesTransferred, total: c.EstimatedBytesToTransfer };
    if (c.EstimatedFilesToTransfer > 0)
      return { done: c.FilesTransferred + c.FilesFailed, total: c.EstimatedFilesToTransfer };
    return null;
  }
  if (e.status === 'VERIFYING') {
    // ONLY_FILES_TRANSFERRED reads back what was written; POINT_IN_TIME_CONSISTENT may read
    // more, so the bar then rests full until the phase ends.
    const bytes = Math.max(c.BytesTransferred, c.EstimatedBytesToTransfer);
    if (bytes > 0) return { done: c.BytesVerified, total: bytes };
    if (c.FilesTransferred > 0) return { done: c.FilesVerified, total: c.FilesTransferred };
    return null;
  }
  return null;
}

/**
 * The bar for the executions running now: the sum of the work done over the sum to do of those
 * transferring or verifying; indeterminate while the others launch or prepare (or nothing can
 * be measured yet); hidden when none runs. QUEUED and finished executions do not count.
 */
export function taskbarProgress(executions: Iterable<RunningExecution>): TaskbarProgress {
  let done = 0;
  let total = 0;
  let busy = false;
  for (const e of executions) {
    if (MEASURED.includes(e.status)) {
      const m = measure(e);
      if (m) {
        done += Math.min(Math.max(0, m.done), m.total);
        total += m.total;
      } else busy = true;
    } else if (BUSY.includes(e.status)) busy = true;
  }
  if (total > 0) return { mode: 'normal', fraction: Math.min(1, done / total) };
  return busy ? { mode: 'indeterminate' } : { mode: 'none' };
}

const MAX_REMEMBERED = 1000;

/** How long the bar stays red after an execution fails. */
export const ERROR_FLASH_MS = 4000;

/**
 * Follows executions through `execution:updated` and `execution:progress` and says what the bar
 * should show. `now` is the clock (tests).
 */
export class TaskbarProgressState {
  private readonly running = new Map<string, RunningExecution>();
  /** Ended executions: a late progress event of one must not bring it back. */
  private readonly ended = new Set<string>();
  private errorUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** An `execution:updated` arrived; returns the bar to show now. */
  updated(record: ExecutionRecord): TaskbarProgress {
    return this.apply(record.id, record);
  }

  /** An `execution:progress` arrived; returns the bar to show now. */
  progressed(progress: ExecutionProgress): TaskbarProgress {
    return this.apply(progress.executionId, progress);
  }

  /** The bar to show now (red for a moment after a failure, when nothing else runs). */
  current(): TaskbarProgress {
    const bar = taskbarProgress(this.running.values());
    if (bar.mode === 'none' && this.now() < this.errorUntil) return { mode: 'error' };
    return bar;
  }

  /** Milliseconds until the red bar should be cleared, or null when none shows. */
  errorRemainingMs(): number | null {
    const left = this.errorUntil - this.now();
    return left > 0 ? left : null;
  }

  private apply(id: string, e: RunningExecution): TaskbarProgress {
    if (isFinalStatus(e.status)) {
      this.running.delete(id);
      if (e.status === 'ERROR' && !this.ended.has(id))
        this.errorUntil = this.now() + ERROR_FLASH_MS;
      this.ended.add(id);
      // Late events come within moments: the oldest ids can go (a scheduler runs for months).
      if (this.ended.size > MAX_REMEMBERED)
        this.ended.delete(this.ended.values().next().value as string);
    } else if (!this.ended.has(id)) {
      this.running.set(id, { status: e.status, counters: e.counters });
    }
    return this.current();
  }
}

/** The arguments of BrowserWindow.setProgressBar for a bar (-1 removes it, 2 is indeterminate). */
export function progressBarArguments(
  bar: TaskbarProgress,
): [number, { mode: 'none' | 'normal' | 'indeterminate' | 'error' }] {
  switch (bar.mode) {
    case 'none':
      return [-1, { mode: 'none' }];
    case 'indeterminate':
      return [2, { mode: 'indeterminate' }];
    case 'normal':
      return [bar.fraction, { mode: 'normal' }];
    case 'error':
      return [1, { mode: 'error' }];
  }
}
