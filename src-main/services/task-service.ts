import { AppError } from '../../src-shared/errors';
import { taskInputSchema, type Task, type TaskInput } from '../../src-shared/model/task';
import type { HistoryStore } from '../store/history-store';
import type { ExecutionService, RunRequest } from './execution-service';
import { nextRunTimes, type Scheduler } from './scheduler';

/** Tasks: saved source + destination + options + filters + schedule, and starting them. */
export class TaskService {
  constructor(
    private readonly store: HistoryStore,
    private readonly executions: ExecutionService,
    private readonly scheduler: Scheduler | null,
  ) {}

  list(): Task[] {
    return this.store.tasks.list();
  }

  get(id: string): Task {
    return this.store.tasks.get(id);
  }

  /** Finds a task by id or, failing that, by name. Throws not-found. */
  find(idOrName: string): Task {
    try {
      return this.store.tasks.get(idOrName);
    } catch {
      return this.store.tasks.getByName(idOrName);
    }
  }

  /**
   * Saves a new task. Throws invalid-input (bad options, same location twice, bad schedule),
   * not-found (a location), already-exists (the name).
   */
  create(input: TaskInput): Task {
    const created = this.insert(input);
    this.resync();
    return created;
  }

  /**
   * Validates and saves a new task without telling the scheduler: for callers saving it inside
   * a store transaction, who call `resync()` once it has committed. Throws as `create`.
   */
  insert(input: TaskInput): Task {
    return this.store.tasks.create(this.validate(input));
  }

  update(id: string, input: TaskInput): Task {
    const task = this.validate(input);
    const updated = this.store.tasks.update(id, task);
    this.resync();
    return updated;
  }

  /** Deletes a task (its executions stay in the history). Refused while it runs. */
  delete(id: string): void {
    if (this.executions.isTaskBusy(id)) {
      throw new AppError(
        'invalid-input',
        'This task has an execution running or queued; cancel it first',
      );
    }
    this.store.tasks.delete(id);
    this.resync();
  }

  /** Starts (or queues) an execution of the task. */
  start(id: string): ReturnType<ExecutionService['start']> {
    return this.executions.start(this.runRequest(this.store.tasks.get(id)));
  }

  /** Everything an execution of this task needs, secrets included (main only). */
  runRequest(task: Task): RunRequest {
    const source = this.store.locations.get(task.sourceLocationId);
    const destination = this.store.locations.get(task.destinationLocationId);
    return {
      taskId: task.id,
      taskName: task.name,
      source: { config: source.config, secrets: this.store.locations.secretsOf(source.id) },
      destination: {
        config: destination.config,
        secrets: this.store.locations.secretsOf(destination.id),
      },
      options: task.options,
      includes: task.includes,
      excludes: task.excludes,
    };
  }

  nextRuns(cron: string, count: number): number[] {
    return nextRunTimes(cron, count);
  }

  /** Puts the scheduler in step with the saved tasks. */
  resync(): void {
    this.scheduler?.sync(this.store.tasks.list());
  }

  private validate(input: TaskInput): Omit<Task, 'id' | 'createdAt' | 'updatedAt'> {
    const parsed = taskInputSchema.safeParse(input);
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'task'}: ${i.message}`)
        .join('; ');
      throw new AppError('invalid-input', `Invalid task: ${why}`);
    }
    const task = parsed.data;
    if (task.sourceLocationId === task.destinationLocationId) {
      throw new AppError(
        'invalid-input',
        'The source and the destination must be different locations',
      );
    }
    this.store.locations.get(task.sourceLocationId);
    this.store.locations.get(task.destinationLocationId);
    if (task.schedule) nextRunTimes(task.schedule.cron, 1);
    return task;
  }
}
