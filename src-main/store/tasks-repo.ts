import { AppError } from '../../src-shared/errors';
import { taskOptionsSchema, type Schedule, type Task } from '../../src-shared/model/task';
import { isUniqueViolation, type Database } from './database';
import { int, json, jsonOrNull, newId, text, type Row } from './row';

/** A task to save, already validated (`taskInputSchema`'s output). */
export type NewTask = Omit<Task, 'id' | 'createdAt' | 'updatedAt'>;

/**
 * Saved tasks. A task refers to two saved locations (which then cannot be deleted); deleting a
 * task keeps its executions, which keep the task's name.
 */
export class TasksRepo {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Saves a new task. Throws AppError `already-exists` when the name is taken, `not-found` when a
   * location id is unknown.
   */
  create(task: NewTask): Task {
    const id = newId('task');
    const at = this.now();
    this.db.transaction(() => {
      this.checkLocations(task);
      try {
        this.db
          .statement(
            'INSERT INTO tasks (id, name, source_location_id, destination_location_id, options, includes, ' +
              'excludes, schedule, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(id, ...columns(task), at, at);
      } catch (error) {
        throw mapUnique(error, task.name);
      }
    });
    return this.get(id);
  }

  /**
   * Changes some fields of a task (validated by the caller as a whole). Throws AppError
   * `not-found` for an unknown task or location id, `already-exists` when the new name is taken.
   */
  update(id: string, patch: Partial<NewTask>): Task {
    this.db.transaction(() => {
      const merged: NewTask = { ...toTask(this.row(id)), ...definedOnly(patch) };
      this.checkLocations(merged);
      try {
        this.db
          .statement(
            'UPDATE tasks SET name = ?, source_location_id = ?, destination_location_id = ?, options = ?, ' +
              'includes = ?, excludes = ?, schedule = ?, updated_at = ? WHERE id = ?',
          )
          .run(...columns(merged), this.now(), id);
      } catch (error) {
        throw mapUnique(error, merged.name);
      }
    });
    return this.get(id);
  }

  /** Throws AppError `not-found` for an unknown id. */
  get(id: string): Task {
    return toTask(this.row(id));
  }

  /** Throws AppError `not-found` when no task has this exact name. */
  getByName(name: string): Task {
    const row = this.db.statement('SELECT * FROM tasks WHERE name = ?').get(name);
    if (row === undefined) throw new AppError('not-found', `No task named "${name}"`, { name });
    return toTask(row);
  }

  /** Every task, by name (case-insensitive order). */
  list(): Task[] {
    return this.db
      .statement('SELECT * FROM tasks ORDER BY name COLLATE NOCASE, name, id')
      .all()
      .map(toTask);
  }

  /**
   * Deletes a task; its executions stay, with taskId null and the task's name kept.
   * Throws AppError `not-found` for an unknown id.
   */
  delete(id: string): void {
    const result = this.db.statement('DELETE FROM tasks WHERE id = ?').run(id);
    if (result.changes === 0) throw new AppError('not-found', `No task with id ${id}`, { id });
  }

  private row(id: string): Row {
    const row = this.db.statement('SELECT * FROM tasks WHERE id = ?').get(id);
    if (row === undefined) throw new AppError('not-found', `No task with id ${id}`, { id });
    return row;
  }

  private checkLocations(task: NewTask): void {
    for (const locationId of [task.sourceLocationId, task.destinationLocationId]) {
      const found = this.db
        .statement('SELECT 1 AS found FROM locations WHERE id = ?')
        .get(locationId);
      if (found === undefined) {
        throw new AppError('not-found', `No location with id ${locationId}`, { id: locationId });
      }
    }
  }
}

function definedOnly(patch: Partial<NewTask>): Partial<NewTask> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

function columns(task: NewTask): [string, string, string, string, string, string, string | null] {
  return [
    task.name,
    task.sourceLocationId,
    task.destinationLocationId,
    JSON.stringify(task.options),
    task.includes,
    task.excludes,
    task.schedule === null ? null : JSON.stringify(task.schedule),
  ];
}

function mapUnique(error: unknown, name: string): unknown {
  return isUniqueViolation(error)
    ? new AppError('already-exists', `A task named "${name}" already exists`, { name })
    : error;
}

function toTask(row: Row): Task {
  const name = text(row, 'name');
  // Parsing fills in defaults of options added after the task was saved.
  const options = taskOptionsSchema.safeParse(json<unknown>(row, 'options'));
  if (!options.success) {
    throw new AppError('invalid-config', `The saved task "${name}" has invalid options`, {
      id: text(row, 'id'),
      issues: options.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    });
  }
  return {
    id: text(row, 'id'),
    name,
    sourceLocationId: text(row, 'source_location_id'),
    destinationLocationId: text(row, 'destination_location_id'),
    options: options.data,
    includes: text(row, 'includes'),
    excludes: text(row, 'excludes'),
    schedule: jsonOrNull<Schedule>(row, 'schedule'),
    createdAt: int(row, 'created_at'),
    updatedAt: int(row, 'updated_at'),
  };
}
