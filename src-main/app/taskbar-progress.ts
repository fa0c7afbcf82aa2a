import type { BrowserWindow } from 'electron';
import type { Unsubscribe } from '../../src-shared/ipc/contract';
import type { ExecutionProgress, ExecutionRecord } from '../../src-shared/model/execution';
import type { EventBus } from '../events/event-bus';
import {
  progressBarArguments,
  TaskbarProgressState,
  type TaskbarProgress,
} from './progress-fraction';

/**
 * Shows the running executions' progress on the window's taskbar button (dock icon on macOS):
 * the fraction done while transferring or verifying (summed over several), busy while launching
 * or preparing, red for a moment after a failure, nothing when idle. The window is asked again
 * at each change, so a window opened later shows the current state at the next event.
 */
export function showProgressInTaskbar(
  bus: EventBus,
  window: () => BrowserWindow | null,
): Unsubscribe {
  const state = new TaskbarProgressState();
  let shownOn: BrowserWindow | null = null;
  let shown = '';
  let errorTimer: NodeJS.Timeout | null = null;

  const show = (bar: TaskbarProgress): void => {
    const target = window();
    if (!target || target.isDestroyed()) return;
    const [value, options] = progressBarArguments(bar);
    // About ten progress events a second: tell the OS only when the bar visibly changes.
    const key = `${options.mode}:${value.toFixed(3)}`;
    if (target === shownOn && key === shown) return;
    shownOn = target;
    shown = key;
    target.setProgressBar(value, options);
  };

  const unsubscribe = bus.subscribe((event, payload) => {
    let bar: TaskbarProgress;
    if (event === 'execution:updated') bar = state.updated(payload as ExecutionRecord);
    else if (event === 'execution:progress') bar = state.progressed(payload as ExecutionProgress);
    else return;
    show(bar);
    const left = state.errorRemainingMs();
    if (left !== null) {
      if (errorTimer) clearTimeout(errorTimer);
      errorTimer = setTimeout(() => show(state.current()), left + 20);
    }
  });
  return () => {
    unsubscribe();
    if (errorTimer) clearTimeout(errorTimer);
  };
}
