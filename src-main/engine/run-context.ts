import { isErrorCode, type ErrorInfo } from '../../src-shared/errors';
import {
  REPORT_ACTION_COUNTERS,
  type Execution,
  type ExecutionProgress,
  type FileAction,
  type FileResult,
} from '../../src-shared/model/execution';
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

/** How many entries of each kind of problem the run's error message names. */
export const NAMED_IN_SUMMARY = 3;

/** An entry named in the run's error message: its path and a short reason. */
export interface NamedEntry {
  path: string;
  reason: string;
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
  /** The first entries left behind, for the run's error message. */
  readonly firstNotCopied: (NamedEntry & { code: ErrorInfo['code'] })[] = [];
  /** The first folders that could not be read, for the run's error message. */
  readonly firstUnreadable: NamedEntry[] = [];
  /** Why the planned deletes were not made, when they were not. */
  deletesNotMadeBecause: string | null = null;
  /**
   * Paths already reported as failed or not copied: a file is counted once, and VERIFYING does
   * not fail again what TRANSFERRING failed or left behind. As many as there were problems.
   */
  private readonly settled = new Set<string>();

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

  /**
   * A task report line, counted: the action's counter (REPORT_ACTION_COUNTERS) goes up by one,
   * and BytesVerified by the size of a verified file, here and nowhere else, so counters and
   * report cannot disagree. A path already failed or not copied is not counted or reported as
   * failed again (a file that failed its transfer and then its verification is one failure).
   */
  report(result: Omit<FileResult, 'at'>): void {
    if (result.action === 'failed') {
      if (this.settled.has(result.path)) return;
      this.settled.add(result.path);
    }
    // Each not-copied line is its own entry: two refused names can share a stand-in path.
    if (result.action === 'not-copied') this.settled.add(result.path);
    const code = isErrorCode(result.errorCode) ? result.errorCode : 'unknown';
    if (result.action === 'failed' && this.firstFailure === null) {
      this.firstFailure = { path: result.path, code, message: result.detail ?? 'failed' };
    }
    if (result.action === 'not-copied' && this.firstNotCopied.length < NAMED_IN_SUMMARY)
      this.firstNotCopied.push({
        path: result.path,
        reason: (result.detail ?? code).replace(/^not copied: /, ''),
        code,
      });
    this.count(result.action);
    if (result.action === 'verified') this.counters.BytesVerified += result.size;
    this.batch.push({ ...result, at: Date.now() });
    if (this.batch.length >= REPORT_BATCH) this.flushReport();
  }

  /** Counts an action without a report line (unchanged files below LogLevel TRANSFER). */
  count(action: FileAction): void {
    this.counters[REPORT_ACTION_COUNTERS[action]]++;
  }

  /**
   * A folder that could not be listed (PREPARING): a run error, a folder-failed report line
   * naming its side and cause, and a name for the run's error message.
   */
  folderUnreadable(side: 'source' | 'destination', path: string, error: ErrorInfo): void {
    this.runErrors.push(error);
    if (this.firstUnreadable.length < NAMED_IN_SUMMARY)
      this.firstUnreadable.push({ path, reason: error.code.replaceAll('-', ' ') });
    this.report({
      path,
      action: 'folder-failed',
      size: 0,
      sourceChecksum: null,
      destinationChecksum: null,
      detail: `${side} folder could not be read: ${error.message}`,
      errorCode: error.code,
    });
  }

  /** Whether the path was already reported as failed or not copied. */
  isSettled(path: string): boolean {
    return this.settled.has(path);
  }

  flushReport(): void {
    if (this.batch.length === 0) return;
    this.sink.results(this.batch);
    this.batch = [];
  }

  log(level: LogLevel, message: string): void {
    if (this.logs(level)) this.sink.log(level, message);
  }

  /** Whether `log` writes lines of this level: a per-file line is only made when it does. */
  logs(level: LogLevel): boolean {
    return (
      this.options.LogLevel === 'TRANSFER' ||
      (this.options.LogLevel === 'BASIC' && level !== 'info')
    );
  }

  /** Phase changes and errors are logged at BASIC too. */
  logAlways(level: LogLevel, message: string): void {
    if (this.options.LogLevel !== 'OFF') this.sink.log(level, message);
  }
}
