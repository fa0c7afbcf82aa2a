import { Cron } from 'croner';
import { AppError } from '../../src-shared/errors';
import type { Task } from '../../src-shared/model/task';

/**
 * Parses a cron expression (5 or 6 fields, croner's syntax) and returns its next run times.
 * Throws AppError('invalid-input') naming the expression and what is wrong with it.
 */
export function nextRunTimes(cron: string, count: number, from: Date = new Date()): number[] {
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new AppError('invalid-input', `Invalid schedule "${cron}": ${why}`);
  }
  try {
    return job.nextRuns(count, from).map((d) => d.getTime());
  } finally {
    job.stop();
  }
}

/**
 * Starts executions of scheduled tasks while the app runs. `sync` is called with the current
 * tasks whenever they change; jobs follow. A start that fails (say, the task is already running
 * with queueing disabled) is reported through `onError` and the schedule goes on.
 */
export class Scheduler {
  private readonly jobs = new Map<string, { cron: string; job: Cron }>();

  constructor(
    private readonly startTask: (taskId: string) => void,
    private readonly onError: (task: Task, error: unknown) => void,
  ) {}

  sync(tasks: readonly Task[]): void {
    const wanted = new Map(tasks.filter((t) => t.schedule?.enabled).map((t) => [t.id, t]));
    for (const [id, entry] of this.jobs) {
      if (wanted.get(id)?.schedule?.cron !== entry.cron) {
        entry.job.stop();
        this.jobs.delete(id);
      }
    }
    for (const [id, task] of wanted) {
      if (this.jobs.has(id) || !task.schedule) continue;
      try {
        const job = new Cron(task.schedule.cron, { protect: true }, () => {
          try {
            this.startTask(id);
          } catch (error) {
            this.onError(task, error);
          }
        });
        this.jobs.set(id, { cron: task.schedule.cron, job });
      } catch (error) {
        this.onError(task, error);
      }
    }
  }

  /** The next run of a scheduled task, or null. */
  nextRun(taskId: string): number | null {
    return this.jobs.get(taskId)?.job.nextRun()?.getTime() ?? null;
  }

  stop(): void {
    for (const { job } of this.jobs.values()) job.stop();
    this.jobs.clear();
  }
}
