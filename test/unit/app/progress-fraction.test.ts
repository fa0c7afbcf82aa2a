import { describe, expect, it } from 'vitest';
import {
  ERROR_FLASH_MS,
  progressBarArguments,
  taskbarProgress,
  TaskbarProgressState,
} from '../../../src-main/app/progress-fraction';
import { zeroCounters, type ExecutionCounters } from '../../../src-shared/model/execution';
import { progress, record } from './execution-fixtures';

const counters = (c: Partial<ExecutionCounters>): ExecutionCounters => ({
  ...zeroCounters(),
  ...c,
});

describe('taskbarProgress', () => {
  it('is hidden when nothing runs, and for queued or finished executions', () => {
    expect(taskbarProgress([])).toEqual({ mode: 'none' });
    expect(
      taskbarProgress([
        { status: 'QUEUED', counters: counters({}) },
        { status: 'SUCCESS', counters: counters({ EstimatedBytesToTransfer: 10 }) },
      ]),
    ).toEqual({ mode: 'none' });
  });

  it('is indeterminate while launching or preparing', () => {
    for (const status of ['LAUNCHING', 'PREPARING', 'CANCELLING'] as const) {
      expect(taskbarProgress([{ status, counters: counters({}) }])).toEqual({
        mode: 'indeterminate',
      });
    }
  });

  it('shows bytes transferred of the estimate, or files when no bytes move', () => {
    expect(
      taskbarProgress([
        {
          status: 'TRANSFERRING',
          counters: counters({ EstimatedBytesToTransfer: 1000, BytesTransferred: 250 }),
        },
      ]),
    ).toEqual({ mode: 'normal', fraction: 0.25 });
    expect(
      taskbarProgress([
        {
          status: 'TRANSFERRING',
          counters: counters({ EstimatedFilesToTransfer: 8, FilesTransferred: 5, FilesFailed: 1 }),
        },
      ]),
    ).toEqual({ mode: 'normal', fraction: 0.75 });
    // Nothing to measure yet (an empty plan): busy, not 0 %.
    expect(taskbarProgress([{ status: 'TRANSFERRING', counters: counters({}) }])).toEqual({
      mode: 'indeterminate',
    });
  });

  it('shows bytes verified while verifying, never past full', () => {
    expect(
      taskbarProgress([
        {
          status: 'VERIFYING',
          counters: counters({
            EstimatedBytesToTransfer: 400,
            BytesTransferred: 400,
            BytesVerified: 100,
          }),
        },
      ]),
    ).toEqual({ mode: 'normal', fraction: 0.25 });
    expect(
      taskbarProgress([
        {
          status: 'VERIFYING',
          counters: counters({
            EstimatedBytesToTransfer: 400,
            BytesTransferred: 400,
            BytesVerified: 900,
          }),
        },
      ]),
    ).toEqual({ mode: 'normal', fraction: 1 });
  });

  it('sums several running executions, weighted by their size', () => {
    const bar = taskbarProgress([
      {
        status: 'TRANSFERRING',
        counters: counters({ EstimatedBytesToTransfer: 3000, BytesTransferred: 3000 }),
      },
      {
        status: 'TRANSFERRING',
        counters: counters({ EstimatedBytesToTransfer: 1000, BytesTransferred: 0 }),
      },
      { status: 'PREPARING', counters: counters({}) },
    ]);
    expect(bar).toEqual({ mode: 'normal', fraction: 0.75 });
  });
});

describe('TaskbarProgressState', () => {
  it('follows executions through their events and forgets the ended ones', () => {
    let now = 0;
    const state = new TaskbarProgressState(() => now);
    expect(state.updated(record('e1', 'QUEUED'))).toEqual({ mode: 'none' });
    expect(state.updated(record('e1', 'LAUNCHING'))).toEqual({ mode: 'indeterminate' });
    expect(
      state.progressed(
        progress('e1', 'TRANSFERRING', { EstimatedBytesToTransfer: 200, BytesTransferred: 50 }),
      ),
    ).toEqual({ mode: 'normal', fraction: 0.25 });
    expect(state.updated(record('e2', 'PREPARING'))).toEqual({ mode: 'normal', fraction: 0.25 });
    expect(state.updated(record('e1', 'SUCCESS'))).toEqual({ mode: 'indeterminate' });
    // A late progress event of an ended execution does not bring it back.
    expect(
      state.progressed(progress('e1', 'TRANSFERRING', { EstimatedBytesToTransfer: 1 })),
    ).toEqual({
      mode: 'indeterminate',
    });
    expect(state.updated(record('e2', 'ERROR'))).toEqual({ mode: 'error' });
    expect(state.errorRemainingMs()).toBe(ERROR_FLASH_MS);
    now += ERROR_FLASH_MS;
    expect(state.current()).toEqual({ mode: 'none' });
    expect(state.errorRemainingMs()).toBeNull();
  });
});

describe('progressBarArguments', () => {
  it("speaks BrowserWindow.setProgressBar's language", () => {
    expect(progressBarArguments({ mode: 'none' })).toEqual([-1, { mode: 'none' }]);
    expect(progressBarArguments({ mode: 'indeterminate' })).toEqual([2, { mode: 'indeterminate' }]);
    expect(progressBarArguments({ mode: 'normal', fraction: 0.5 })).toEqual([
      0.5,
      { mode: 'normal' },
    ]);
    expect(progressBarArguments({ mode: 'error' })).toEqual([1, { mode: 'error' }]);
  });
});
