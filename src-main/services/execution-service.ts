import type { Writable } from 'node:stream';
import { AppError } from '../../src-shared/errors';
import {
  isFinalStatus,
  type Execution,
  type ExecutionRecord,
} from '../../src-shared/model/execution';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import type { TaskOptions } from '../../src-shared/model/task';
import { ExecutionRunner, newExecution, type EngineDeps } from '../engine/execution-runner';
import type { ExecutionSink } from '../engine/run-context';
import type { EventBus } from '../events/event-bus';
import { describeLocation } from '../locations/describe-location';
import type { HistoryStore } from '../store/history-store';
import {
  exportReportToFile,
  writeReportCsv,
  writeReportJson,
  type ReportFormat,
} from '../store/report-export';

export interface RunRequest {
  taskId: string | null;
  taskName: string;
  source: { config: LocationConfig; secrets: LocationSecrets };
  destination: { config: LocationConfig; secrets: LocationSecrets };
  options: TaskOptions;
  includes: string;
  excludes: string;
  dryRun?: boolean;
}

interface Queued {
  record: ExecutionRecord;
  request: RunRequest;
}

/**
 * Starts, queues, cancels and throttles task executions, persists them and their task reports in
 * the history store, and pushes `execution:updated` and `execution:progress` events. One
 * execution per task at a time: later starts queue (FIFO) when TaskQueueing is ENABLED and are
 * refused when it is DISABLED.
 */
export class ExecutionService {
  private readonly running = new Map<string, ExecutionRunner>();
  private readonly activeByTask = new Map<string, string>();
  private readonly queues = new Map<string, Queued[]>();
  private readonly finished = new Map<string, ((record: ExecutionRecord) => void)[]>();

  constructor(
    private readonly store: HistoryStore,
    private readonly bus: EventBus,
    private readonly engine: EngineDeps,
  ) {}

  /**
   * Records a new execution and starts it, or queues it behind the task's running one.
   * Throws AppError('already-exists') when the task is running and TaskQueueing is DISABLED.
   */
  start(request: RunRequest): ExecutionRecord {
    const activeId = request.taskId ? this.activeByTask.get(request.taskId) : undefined;
    if (activeId && request.options.TaskQueueing === 'DISABLED') {
      throw new AppError(
        'already-exists',
        `Task "${request.taskName}" is already running (execution ${activeId}) and its TaskQueueing is DISABLED; wait for it to end or enable queueing`,
        { executionId: activeId },
      );
    }
    const record = this.store.executions.create({
      taskId: request.taskId,
      taskName: request.taskName,
      sourceDescription: describeLocation(request.source.config),
      destinationDescription: describeLocation(request.destination.config),
      options: request.options,
      startTime: Date.now(),
    });
    this.bus.emit('execution:updated', record);
    if (activeId && request.taskId) {
      const queue = this.queues.get(request.taskId) ?? [];
      queue.push({ record, request });
      this.queues.set(request.taskId, queue);
    } else {
      this.launch(record, request);
    }
    return record;
  }

  /** Cancels a queued or running execution. Throws not-found; a finished one is left as it is. */
  cancel(executionId: string): ExecutionRecord {
    const runner = this.running.get(executionId);
    if (runner) {
      runner.cancel();
      return this.store.executions.get(executionId);
    }
    for (const [taskId, queue] of this.queues) {
      const index = queue.findIndex((q) => q.record.id === executionId);
      if (index === -1) continue;
      queue.splice(index, 1);
      if (queue.length === 0) this.queues.delete(taskId);
      this.store.executions.update(executionId, {
        status: 'CANCELLED',
        endTime: Date.now(),
        error: { code: 'cancelled', message: 'Cancelled before it started' },
      });
      const record = this.store.executions.get(executionId);
      this.bus.emit('execution:updated', record);
      this.settle(record);
      return record;
    }
    return this.store.executions.get(executionId);
  }

  /** Changes the bandwidth limit of a running execution (-1 = unlimited). Throws not-found. */
  setBandwidth(executionId: string, bytesPerSecond: number): ExecutionRecord {
    const runner = this.running.get(executionId);
    if (!runner) {
      const record = this.store.executions.get(executionId);
      throw new AppError(
        'invalid-input',
        `Execution ${executionId} is not running (it is ${record.status})`,
      );
    }
    runner.setBandwidth(bytesPerSecond);
    return this.store.executions.get(executionId);
  }

  /** Resolves when the execution has ended (at once if it already has). Throws not-found. */
  whenFinished(executionId: string): Promise<ExecutionRecord> {
    const record = this.store.executions.get(executionId);
    if (isFinalStatus(record.status)) return Promise.resolve(record);
    return new Promise((resolve) => {
      const waiting = this.finished.get(executionId) ?? [];
      waiting.push(resolve);
      this.finished.set(executionId, waiting);
    });
  }

  isRunning(executionId: string): boolean {
    return this.running.has(executionId);
  }

  /** Whether a task has an execution running or queued. */
  isTaskBusy(taskId: string): boolean {
    return this.activeByTask.has(taskId) || (this.queues.get(taskId)?.length ?? 0) > 0;
  }

  /** Cancels everything and waits for the ends (app quit, CLI Ctrl-C). */
  async shutdown(): Promise<void> {
    for (const queue of this.queues.values()) for (const q of [...queue]) this.cancel(q.record.id);
    const ids = [...this.running.keys()];
    for (const id of ids) this.running.get(id)?.cancel();
    await Promise.all(ids.map((id) => this.whenFinished(id)));
  }

  async exportReport(executionId: string, format: ReportFormat, out: Writable): Promise<void> {
    await (format === 'json' ? writeReportJson : writeReportCsv)(this.store.db, executionId, out);
  }

  async exportReportToFile(executionId: string, format: ReportFormat, file: string): Promise<void> {
    await exportReportToFile(this.store.db, executionId, format, file);
  }

  private launch(record: ExecutionRecord, request: RunRequest): void {
    const execution: Execution = {
      ...newExecution(record.id, request.taskId ?? '', request.options),
      startTime: record.startTime,
    };
    const runner = new ExecutionRunner(
      {
        executionId: record.id,
        taskId: request.taskId ?? '',
        source: request.source,
        destination: request.destination,
        options: request.options,
        includes: request.includes,
        excludes: request.excludes,
        dryRun: request.dryRun ?? false,
      },
      this.sinkFor(record.id),
      this.engine,
      execution,
    );
    this.running.set(record.id, runner);
    if (request.taskId) this.activeByTask.set(request.taskId, record.id);
    void runner.run().then(() => this.afterRun(record.id, request.taskId));
  }

  private afterRun(executionId: string, taskId: string | null): void {
    this.running.delete(executionId);
    const record = this.store.executions.get(executionId);
    this.settle(record);
    if (!taskId) return;
    this.activeByTask.delete(taskId);
    const next = this.queues.get(taskId)?.shift();
    if (this.queues.get(taskId)?.length === 0) this.queues.delete(taskId);
    if (next) this.launch(next.record, next.request);
  }

  private settle(record: ExecutionRecord): void {
    for (const resolve of this.finished.get(record.id) ?? []) resolve(record);
    this.finished.delete(record.id);
  }

  private sinkFor(executionId: string): ExecutionSink {
    const { store, bus } = this;
    return {
      update: (e) => {
        store.executions.update(executionId, {
          status: e.status,
          phases: e.phases,
          counters: e.counters,
          launchTime: e.launchTime,
          endTime: e.endTime,
          bytesPerSecond: e.bytesPerSecond,
          error: e.error,
        });
        bus.emit('execution:updated', store.executions.get(executionId));
      },
      progress: (p) => bus.emit('execution:progress', p),
      results: (batch) => store.fileResults.appendBatch(executionId, batch),
      log: (level, message) => store.executionLog.append(executionId, level, message),
    };
  }
}
