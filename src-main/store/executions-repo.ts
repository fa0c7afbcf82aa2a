import { AppError, type ErrorInfo } from '../../src-shared/errors';
import {
  PHASES,
  zeroCounters,
  type ExecutionCounters,
  type ExecutionRecord,
  type ExecutionStatus,
  type Phase,
  type PhaseResult,
} from '../../src-shared/model/execution';
import type { TaskOptions } from '../../src-shared/model/task';
import { isForeignKeyViolation, isUniqueViolation, type Database } from './database';
import { int, intOrNull, json, jsonOrNull, newId, paging, text, textOrNull, type Row } from './row';

/** The statuses of an execution that has not ended. */
export const UNFINISHED_STATUSES = [
  'QUEUED',
  'LAUNCHING',
  'PREPARING',
  'TRANSFERRING',
  'VERIFYING',
  'CANCELLING',
] as const satisfies readonly ExecutionStatus[];

/** A new execution; what is left out starts empty (QUEUED, phases PENDING, counters zero). */
export interface NewExecution {
  /** Given by the caller when it needs the id before saving; otherwise "exec-" + random. */
  id?: string;
  taskId: string | null;
  taskName: string;
  sourceDescription: string;
  destinationDescription: string;
  options?: TaskOptions | null;
  status?: ExecutionStatus;
  phases?: Record<Phase, PhaseResult>;
  counters?: ExecutionCounters;
  startTime: number;
  launchTime?: number | null;
  endTime?: number | null;
  /** Defaults to options.BytesPerSecond, else -1 (unlimited). */
  bytesPerSecond?: number;
  error?: ErrorInfo | null;
  /** The process running it (default: this one), so another process does not take it for dead. */
  ownerPid?: number;
}

/** The fields of an execution that change while it runs. */
export type ExecutionPatch = Partial<
  Pick<
    ExecutionRecord,
    | 'status'
    | 'phases'
    | 'counters'
    | 'launchTime'
    | 'endTime'
    | 'bytesPerSecond'
    | 'error'
    | 'interrupted'
  >
>;

const PATCH_COLUMNS: Record<
  keyof ExecutionPatch,
  [string, (value: never) => string | number | null]
> = {
  status: ['status', (v: ExecutionStatus) => v],
  phases: ['phases', (v: Record<Phase, PhaseResult>) => JSON.stringify(v)],
  counters: ['counters', (v: ExecutionCounters) => JSON.stringify(v)],
  launchTime: ['launch_time', (v: number | null) => v],
  endTime: ['end_time', (v: number | null) => v],
  bytesPerSecond: ['bytes_per_second', (v: number) => v],
  error: ['error', (v: ErrorInfo | null) => (v === null ? null : JSON.stringify(v))],
  interrupted: ['interrupted', (v: boolean) => (v ? 1 : 0)],
};

/** The history of executions, newest first. */
export class ExecutionsRepo {
  constructor(private readonly db: Database) {}

  /**
   * Records a new execution. Throws AppError `not-found` when taskId names no saved task,
   * `already-exists` when the given id is taken.
   */
  create(execution: NewExecution): ExecutionRecord {
    const id = execution.id ?? newId('exec');
    const options = execution.options ?? null;
    try {
      this.db
        .statement(
          'INSERT INTO executions (id, task_id, task_name, source_description, destination_description, options, ' +
            'status, phases, counters, start_time, launch_time, end_time, bytes_per_second, error, interrupted, ' +
            'owner_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)',
        )
        .run(
          id,
          execution.taskId,
          execution.taskName,
          execution.sourceDescription,
          execution.destinationDescription,
          options === null ? null : JSON.stringify(options),
          execution.status ?? 'QUEUED',
          JSON.stringify(execution.phases ?? pendingPhases()),
          JSON.stringify(execution.counters ?? zeroCounters()),
          execution.startTime,
          execution.launchTime ?? null,
          execution.endTime ?? null,
          execution.bytesPerSecond ?? options?.BytesPerSecond ?? -1,
          execution.error ? JSON.stringify(execution.error) : null,
          execution.ownerPid ?? process.pid,
        );
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new AppError('not-found', `No task with id ${execution.taskId ?? ''}`, {
          id: execution.taskId,
        });
      }
      if (isUniqueViolation(error)) {
        throw new AppError('already-exists', `An execution with id ${id} already exists`, { id });
      }
      throw error;
    }
    return this.get(id);
  }

  /** Saves the fields given. Throws AppError `not-found` for an unknown id. */
  update(id: string, patch: ExecutionPatch): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const key of Object.keys(PATCH_COLUMNS) as (keyof ExecutionPatch)[]) {
      const value = patch[key];
      if (value === undefined) continue;
      const [column, encode] = PATCH_COLUMNS[key];
      sets.push(`${column} = ?`);
      values.push(encode(value as never));
    }
    const sql =
      sets.length === 0
        ? 'SELECT 1 AS changes FROM executions WHERE id = ?'
        : `UPDATE executions SET ${sets.join(', ')} WHERE id = ?`;
    const found =
      sets.length === 0
        ? this.db.statement(sql).get(id) !== undefined
        : this.db.statement(sql).run(...values, id).changes > 0;
    if (!found) throw new AppError('not-found', `No execution with id ${id}`, { id });
  }

  /** Throws AppError `not-found` for an unknown id. */
  get(id: string): ExecutionRecord {
    const row = this.db.statement('SELECT * FROM executions WHERE id = ?').get(id);
    if (row === undefined) throw new AppError('not-found', `No execution with id ${id}`, { id });
    return toRecord(row);
  }

  /** Executions newest first, of one task when taskId is given (limit 1..10,000, default 100). */
  list(options: { taskId?: string; limit?: number; offset?: number } = {}): ExecutionRecord[] {
    const [limit, offset] = paging(options);
    const rows =
      options.taskId === undefined
        ? this.db
            .statement(
              'SELECT * FROM executions ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?',
            )
            .all(limit, offset)
        : this.db
            .statement(
              'SELECT * FROM executions WHERE task_id = ? ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?',
            )
            .all(options.taskId, limit, offset);
    return rows.map(toRecord);
  }

  /** How many executions there are (of one task when taskId is given). */
  count(options: { taskId?: string } = {}): number {
    const row =
      options.taskId === undefined
        ? this.db.statement('SELECT COUNT(*) AS n FROM executions').get()
        : this.db
            .statement('SELECT COUNT(*) AS n FROM executions WHERE task_id = ?')
            .get(options.taskId);
    return row === undefined ? 0 : int(row, 'n');
  }

  /**
   * Deletes an execution with its file results and log. Throws AppError `not-found` for an
   * unknown id.
   */
  delete(id: string): void {
    const result = this.db.statement('DELETE FROM executions WHERE id = ?').run(id);
    if (result.changes === 0) throw new AppError('not-found', `No execution with id ${id}`, { id });
  }

  /**
   * At startup: every execution that had not ended when its process stopped becomes ERROR, with
   * interrupted set, end time `now`, a running phase marked ERROR, and an `unavailable` error naming
   * the status it had. Executions owned by another live process (the desktop app while the CLI
   * starts, say) are left alone; those of this process's pid are taken as a previous run's.
   * Returns how many were marked. Call it once, before this process starts executions.
   */
  markInterrupted(now: number, isProcessAlive: (pid: number) => boolean = processAlive): number {
    const placeholders = UNFINISHED_STATUSES.map(() => '?').join(', ');
    return this.db.transaction(() => {
      const rows = this.db
        .statement(
          `SELECT id, status, phases, owner_pid FROM executions WHERE status IN (${placeholders})`,
        )
        .all(...UNFINISHED_STATUSES);
      let marked = 0;
      for (const row of rows) {
        const owner = intOrNull(row, 'owner_pid');
        if (owner !== null && owner !== process.pid && isProcessAlive(owner)) continue;
        const status = text(row, 'status');
        const phases = json<Record<Phase, PhaseResult>>(row, 'phases');
        for (const phase of PHASES) {
          const result = phases[phase];
          if (result.status !== 'RUNNING') continue;
          result.status = 'ERROR';
          if (result.startedAt !== null) result.durationMs = Math.max(0, now - result.startedAt);
        }
        const error: ErrorInfo = {
          code: 'unavailable',
          message: `Interrupted: DataFerry stopped while this execution was ${status}`,
          details: { status },
        };
        this.db
          .statement(
            "UPDATE executions SET status = 'ERROR', interrupted = 1, end_time = ?, phases = ?, error = ? WHERE id = ?",
          )
          .run(now, JSON.stringify(phases), JSON.stringify(error), text(row, 'id'));
        marked++;
      }
      return marked;
    });
  }
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every phase PENDING, for a new execution. */
export function pendingPhases(): Record<Phase, PhaseResult> {
  const entries = PHASES.map((phase): [Phase, PhaseResult] => [
    phase,
    { status: 'PENDING', startedAt: null, durationMs: null },
  ]);
  return Object.fromEntries(entries) as Record<Phase, PhaseResult>;
}

function toRecord(row: Row): ExecutionRecord {
  return {
    id: text(row, 'id'),
    taskId: textOrNull(row, 'task_id'),
    taskName: text(row, 'task_name'),
    sourceDescription: text(row, 'source_description'),
    destinationDescription: text(row, 'destination_description'),
    options: jsonOrNull<TaskOptions>(row, 'options'),
    status: text(row, 'status') as ExecutionStatus,
    phases: json<Record<Phase, PhaseResult>>(row, 'phases'),
    // Records written before a counter existed read it as 0.
    counters: { ...zeroCounters(), ...json<ExecutionCounters>(row, 'counters') },
    startTime: int(row, 'start_time'),
    launchTime: intOrNull(row, 'launch_time'),
    endTime: intOrNull(row, 'end_time'),
    bytesPerSecond: int(row, 'bytes_per_second'),
    error: jsonOrNull<ErrorInfo>(row, 'error'),
    interrupted: int(row, 'interrupted') === 1,
  };
}
