import { describe, expect, it } from 'vitest';
import { defaultTaskOptions } from '../../../src-shared/model/task';
import { seedTask, tempStore } from './store-fixtures';
import { thrown } from '../../support/app-errors';

describe('TasksRepo', () => {
  it('creates, gets, lists, updates and deletes', () => {
    let clock = 5;
    const { store } = tempStore(() => clock);
    const seeded = seedTask(store, 'Nightly');
    const task = store.tasks.get(seeded.id);
    expect(task.id).toMatch(/^task-[0-9a-f]{17}$/);
    expect(task).toMatchObject({
      name: 'Nightly',
      sourceLocationId: seeded.sourceLocationId,
      destinationLocationId: seeded.destinationLocationId,
      options: defaultTaskOptions(),
      includes: '',
      excludes: '/tmp',
      schedule: null,
      createdAt: 5,
      updatedAt: 5,
    });
    expect(store.tasks.getByName('Nightly')).toEqual(task);

    clock = 9;
    const options = { ...defaultTaskOptions(), VerifyMode: 'NONE' as const, Parallelism: 4 };
    const updated = store.tasks.update(task.id, {
      name: 'Weekly',
      options,
      includes: '/photos',
      schedule: { cron: '0 3 * * 0', enabled: true },
    });
    expect(updated).toMatchObject({
      name: 'Weekly',
      options,
      includes: '/photos',
      excludes: '/tmp',
      schedule: { cron: '0 3 * * 0', enabled: true },
      createdAt: 5,
      updatedAt: 9,
    });
    expect(store.tasks.update(task.id, { schedule: null }).schedule).toBeNull();

    seedTask(store, 'Another');
    expect(store.tasks.list().map((t) => t.name)).toEqual(['Another', 'Weekly']);
    store.tasks.delete(task.id);
    expect(thrown(() => store.tasks.get(task.id)).code).toBe('not-found');
    expect(store.tasks.list().map((t) => t.name)).toEqual(['Another']);
  });

  it('refuses a taken name', () => {
    const { store } = tempStore();
    const a = seedTask(store, 'A');
    const b = seedTask(store, 'B');
    const error = thrown(() => store.tasks.create({ ...a, name: 'A' }));
    expect(error.code).toBe('already-exists');
    expect(error.message).toBe('A task named "A" already exists');
    expect(thrown(() => store.tasks.update(b.id, { name: 'A' })).code).toBe('already-exists');
  });

  it('refuses unknown locations and unknown tasks', () => {
    const { store } = tempStore();
    const a = seedTask(store, 'A');
    const error = thrown(() =>
      store.tasks.create({ ...a, name: 'C', sourceLocationId: 'loc-missing' }),
    );
    expect(error.code).toBe('not-found');
    expect(error.message).toBe('No location with id loc-missing');
    expect(
      thrown(() => store.tasks.update(a.id, { destinationLocationId: 'loc-missing' })).code,
    ).toBe('not-found');
    expect(thrown(() => store.tasks.get('task-nope')).message).toBe('No task with id task-nope');
    expect(thrown(() => store.tasks.getByName('nope')).code).toBe('not-found');
    expect(thrown(() => store.tasks.update('task-nope', { name: 'x' })).code).toBe('not-found');
    expect(thrown(() => store.tasks.delete('task-nope')).code).toBe('not-found');
  });

  it('keeps the executions of a deleted task, with its name and no task id', () => {
    const { store } = tempStore();
    const task = seedTask(store, 'Gone soon');
    const execution = store.executions.create({
      taskId: task.id,
      taskName: task.name,
      sourceDescription: '/src',
      destinationDescription: '/dst',
      startTime: 1,
    });
    store.tasks.delete(task.id);
    expect(store.executions.get(execution.id)).toMatchObject({
      taskId: null,
      taskName: 'Gone soon',
    });
  });
});
