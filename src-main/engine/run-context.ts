import { isErrorCode, type ErrorInfo } from '../../src-shared/errors';
import type { Execution, ExecutionProgress, FileResult } from '../../src-shared/model/execution';
import type { TaskOptions } from '../../src-shared/model/task';
import type { Location } from '../locations/location';
import type { PlanStore } from './plan-store';
import type { ProgressTracker } from './progress';
import { RetryGate } from './retry-policy';

export type LogLevel = 'info' | 'warn' | 'error';

/** Where an execution's results go: the service persists them, the CLI prints them. */
export interface ExecutionSink {
  /** The execution changed (status, phase, counters): called on every phase change and ~1/s. */
  update(execution: Execution): void;
  progress(progress: ExecutionProgress): void;
  /** Task report lines, in batches. */
  results(batch: FileResult[]): void;
  log(level: LogLevel, message: string): void;
}

// Report lines reach the history in transactions of 2,000: each commit is a WAL write, and at
// 500 lines the commits were about a tenth of the main thread's work on 20,000 small files.
const REPORT_BATCH = 2000;

/** Everything a phase needs, and the bookkeeping phases share. */
export class RunContext {
  private batch: FileResult[] = [];
  /** Errors that are not about one file (a folder that could not be listed, a failed delete...). */
  readonly runErrors: ErrorInfo[] = [];
  /** The first file that failed, for the execution's own error message. */
  firstFailure: { path: string; code: ErrorInfo['code']; message: string } | null = null;
  /**
   * The temporaries interrupted runs left, by destination folder, as PREPARING's listings saw
   * them, and whether a destination path is within the task's filters: what
   * phases/leftovers.ts cleans up.
   */
  leftovers = new Map<string, string[]>();
  covers: (path: string) => boolean = () => true;

  constructor(
    readonly execution: Execution,
    readonly options: TaskOptions,
    readonly source: Location,
    readonly destination: Location,
    readonly plan: PlanStore,
    readonly signal: AbortSignal,
    readonly progress: ProgressTracker,
    readonly sink: ExecutionSink,
    /** TRANSFERRING's retry policy, shared by every item of the run. */
    readonly retry: RetryGate = new RetryGate(),
  ) {}

  get counters(): Execution['counters'] {
    return this.execution.counters;
  }

  /** A task report line; unchanged files are reported only at LogLevel TRANSFER. */
  report(result: Omit<FileResult, 'at'>): void {
    if (result.action === 'failed' && this.firstFailure === null) {
      this.firstFailure = {
        path: result.path,
        code: isErrorCode(result.errorCode) ? result.errorCode : 'unknown',
        message: result.detail ?? 'failed',
      };
    }
    this.batch.push({ ...result, at: Date.now() });
    if (this.batch.length >= REPORT_BATCH) this.flushReport();
  }

  flushReport(): void {
    if (this.batch.length === 0) return;
    this.sink.results(this.batch);
    this.batch = [];
  }

  log(level: LogLevel, message: string): void {
    const wanted =
      this.options.LogLevel === 'TRANSFER' ||
      (this.options.LogLevel === 'BASIC' && level !== 'info');
    if (wanted) this.sink.log(level, message);
  }

  /** Phase changes and errors are logged at BASIC too. */
  logAlways(level: LogLevel, message: string): void {
    if (this.options.LogLevel !== 'OFF') this.sink.log(level, message);
  }
}
