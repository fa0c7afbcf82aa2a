import { describe, expect, it } from 'vitest';
import { zeroCounters } from '../../../src-shared/model/execution';
import { defaultTaskOptions } from '../../../src-shared/model/task';
import { pendingPhases, processAlive } from '../../../src-main/store/executions-repo';
import { seedTask, tempStore } from './store-fixtures';
import { thrown } from '../../support/app-errors';

const adHoc = {
  taskId: null,
  taskName: 'ad hoc',
  sourceDescription: '/a',
  destinationDescription: 's3://b/',
};

describe('ExecutionsRepo', () => {
  it('creates with defaults, updates fields and reads them back', () => {
    const { store } = tempStore();
    const task = seedTask(store);
    const options = { ...defaultTaskOptions(), BytesPerSecond: 4096 };
    const created = store.executions.create({
      taskId: task.id,
      taskName: task.name,
      sourceDescription: '/src',
      destinationDescription: '/dst',
      options,
      startTime: 100,
    });
    expect(created.id).toMatch(/^exec-[0-9a-f]{17}$/);
    expect(created).toEqual({
      id: created.id,
      taskId: task.id,
      taskName: task.name,
      sourceDescription: '/src',
      destinationDescription: '/dst',
      options,
      status: 'QUEUED',
      phases: pendingPhases(),
      counters: zeroCounters(),
      startTime: 100,
      launchTime: null,
      endTime: null,
      bytesPerSecond: 4096,
      error: null,
      interrupted: false,
    });

    const phases = pendingPhases();
    phases.LAUNCHING = { status: 'SUCCESS', startedAt: 101, durationMs: 5 };
    const counters = { ...zeroCounters(), FilesTransferred: 3, BytesTransferred: 30 };
    store.executions.update(created.id, {
      status: 'TRANSFERRING',
      phases,
      counters,
      launchTime: 101,
      bytesPerSecond: -1,
    });
    store.executions.update(created.id, {});
    store.executions.update(created.id, {
      status: 'ERROR',
      endTime: 200,
      error: { code: 'auth-failed', message: 'Wrong password', details: { server: 'nas' } },
    });
    expect(store.executions.get(created.id)).toMatchObject({
      status: 'ERROR',
      phases,
      counters,
      launchTime: 101,
      endTime: 200,
      bytesPerSecond: -1,
      error: { code: 'auth-failed', message: 'Wrong password', details: { server: 'nas' } },
      interrupted: false,
    });
    store.executions.update(created.id, { endTime: null, error: null });
    expect(store.executions.get(created.id)).toMatchObject({ endTime: null, error: null });
  });

  it('reads a record written before the newer counters existed with them at 0 (issue 15)', () => {
    const { store } = tempStore();
    const created = store.executions.create({ ...adHoc, startTime: 1 });
    // What an older DataFerry wrote: DataSync's twelve counters only.
    const old = {
      ...Object.fromEntries(
        Object.keys(zeroCounters())
          .slice(0, 12)
          .map((k) => [k, 0]),
      ),
      FilesTransferred: 7,
    };
    store.db
      .statement('UPDATE executions SET counters = ? WHERE id = ?')
      .run(JSON.stringify(old), created.id);
    expect(store.executions.get(created.id).counters).toEqual({
      ...zeroCounters(),
      FilesTransferred: 7,
    });
  });

  it('accepts ad-hoc executions, a given id, and refuses an unknown task or a taken id', () => {
    const { store } = tempStore();
    const e = store.executions.create({ ...adHoc, id: 'exec-given', startTime: 1 });
    expect(e).toMatchObject({ id: 'exec-given', taskId: null, options: null, bytesPerSecond: -1 });
    expect(
      thrown(() => store.executions.create({ ...adHoc, id: 'exec-given', startTime: 1 })).code,
    ).toBe('already-exists');
    const error = thrown(() =>
      store.executions.create({ ...adHoc, taskId: 'task-nope', startTime: 1 }),
    );
    expect(error.code).toBe('not-found');
    expect(error.message).toBe('No task with id task-nope');
  });

  it('answers not-found for unknown ids', () => {
    const { store } = tempStore();
    expect(thrown(() => store.executions.get('exec-nope')).message).toBe(
      'No execution with id exec-nope',
    );
    expect(thrown(() => store.executions.update('exec-nope', { status: 'SUCCESS' })).code).toBe(
      'not-found',
    );
    expect(thrown(() => store.executions.update('exec-nope', {})).code).toBe('not-found');
    expect(thrown(() => store.executions.delete('exec-nope')).code).toBe('not-found');
  });

  it('lists newest first, per task, with paging and counts', () => {
    const { store } = tempStore();
    const a = seedTask(store, 'A');
    const b = seedTask(store, 'B');
    for (let i = 1; i <= 5; i++) {
      const task = i % 2 === 0 ? b : a;
      store.executions.create({
        ...adHoc,
        id: `exec-${i}`,
        taskId: task.id,
        taskName: task.name,
        startTime: i * 10,
      });
    }
    expect(store.executions.list().map((e) => e.id)).toEqual([
      'exec-5',
      'exec-4',
      'exec-3',
      'exec-2',
      'exec-1',
    ]);
    expect(store.executions.list({ limit: 2, offset: 1 }).map((e) => e.id)).toEqual([
      'exec-4',
      'exec-3',
    ]);
    expect(store.executions.list({ taskId: a.id }).map((e) => e.id)).toEqual([
      'exec-5',
      'exec-3',
      'exec-1',
    ]);
    expect(store.executions.count()).toBe(5);
    expect(store.executions.count({ taskId: b.id })).toBe(2);
  });

  it('deletes an execution with its file results and log', () => {
    const { store } = tempStore();
    const e = store.executions.create({ ...adHoc, startTime: 1 });
    store.fileResults.appendBatch(e.id, [
      {
        path: '/x',
        action: 'transferred',
        size: 1,
        sourceChecksum: null,
        destinationChecksum: null,
        detail: null,
        errorCode: null,
        at: 1,
      },
    ]);
    store.executionLog.append(e.id, 'info', 'hello');
    store.executions.delete(e.id);
    expect(store.fileResults.count(e.id)).toBe(0);
    expect(store.executionLog.count(e.id)).toBe(0);
  });

  it('marks unfinished executions interrupted, naming the status each had', () => {
    const { store } = tempStore();
    const statuses = [
      'QUEUED',
      'LAUNCHING',
      'PREPARING',
      'TRANSFERRING',
      'VERIFYING',
      'CANCELLING',
      'SUCCESS',
      'ERROR',
      'CANCELLED',
    ] as const;
    for (const status of statuses) {
      store.executions.create({
        ...adHoc,
        id: `exec-${status}`,
        status,
        startTime: 1,
        endTime: status === 'SUCCESS' ? 50 : null,
      });
    }
    const phases = pendingPhases();
    phases.LAUNCHING = { status: 'SUCCESS', startedAt: 10, durationMs: 5 };
    phases.PREPARING = { status: 'RUNNING', startedAt: 15, durationMs: null };
    store.executions.update('exec-PREPARING', { phases });

    expect(store.executions.markInterrupted(1000)).toBe(6);
    const preparing = store.executions.get('exec-PREPARING');
    expect(preparing).toMatchObject({
      status: 'ERROR',
      interrupted: true,
      endTime: 1000,
      error: {
        code: 'unavailable',
        message: 'Interrupted: DataFerry stopped while this execution was PREPARING',
      },
    });
    expect(preparing.phases.PREPARING).toEqual({ status: 'ERROR', startedAt: 15, durationMs: 985 });
    expect(preparing.phases.LAUNCHING.status).toBe('SUCCESS');
    expect(store.executions.get('exec-CANCELLING').error?.message).toBe(
      'Interrupted: DataFerry stopped while this execution was CANCELLING',
    );
    expect(store.executions.get('exec-SUCCESS')).toMatchObject({
      status: 'SUCCESS',
      interrupted: false,
      endTime: 50,
    });
    expect(store.executions.get('exec-CANCELLED')).toMatchObject({
      status: 'CANCELLED',
      interrupted: false,
    });
    expect(store.executions.markInterrupted(2000)).toBe(0);
  });

  it('leaves executions of another live process alone', () => {
    const { store } = tempStore();
    store.executions.create({
      ...adHoc,
      id: 'exec-live',
      status: 'TRANSFERRING',
      startTime: 1,
      ownerPid: 424242,
    });
    store.executions.create({
      ...adHoc,
      id: 'exec-dead',
      status: 'TRANSFERRING',
      startTime: 1,
      ownerPid: 434343,
    });
    expect(store.executions.markInterrupted(9, (pid) => pid === 424242)).toBe(1);
    expect(store.executions.get('exec-live').status).toBe('TRANSFERRING');
    expect(store.executions.get('exec-dead').status).toBe('ERROR');
    expect(processAlive(process.pid)).toBe(true);
  });
});

describe('ExecutionLogRepo', () => {
  it('appends and lists in order, with paging', () => {
    const { store } = tempStore(() => 77);
    const e = store.executions.create({ ...adHoc, startTime: 1 });
    expect(store.executionLog.append(e.id, 'info', 'Launching')).toEqual({
      seq: 1,
      at: 77,
      level: 'info',
      message: 'Launching',
    });
    store.executionLog.append(e.id, 'warn', 'Retrying /a', 80);
    store.executionLog.append(e.id, 'error', 'Failed /a', 90);
    expect(store.executionLog.list(e.id).map((l) => [l.seq, l.level, l.message])).toEqual([
      [1, 'info', 'Launching'],
      [2, 'warn', 'Retrying /a'],
      [3, 'error', 'Failed /a'],
    ]);
    expect(store.executionLog.list(e.id, { limit: 1, offset: 1 })).toEqual([
      { seq: 2, at: 80, level: 'warn', message: 'Retrying /a' },
    ]);
    expect(store.executionLog.count(e.id)).toBe(3);
    expect(thrown(() => store.executionLog.append('exec-nope', 'info', 'x')).code).toBe(
      'not-found',
    );
  });
});
