// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName } from '../../../src-shared/ipc/contract';
import type {
  ExecutionProgress,
  ExecutionRecord,
  FileProgress,
} from '../../../src-shared/model/execution';
import { progressEvent, record } from './executions-fixtures';

const listeners = new Map<string, ((payload: unknown) => void)[]>();
const invoke = vi.fn();

vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: (event: EventName, callback: (payload: unknown) => void) => {
    listeners.set(event, [...(listeners.get(event) ?? []), callback]);
    return () =>
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((c) => c !== callback),
      );
  },
}));

const store = await import('../../../src-renderer/stores/executions-store');

function emit(event: 'execution:progress', payload: ExecutionProgress): void;
function emit(event: 'execution:updated', payload: ExecutionRecord): void;
function emit(event: EventName, payload: unknown): void {
  for (const callback of listeners.get(event) ?? []) callback(payload);
}

function file(path: string, state: FileProgress['state'], bytesDone = 0, size = 100): FileProgress {
  return { path, size, bytesDone, state };
}

beforeEach(() => {
  vi.useFakeTimers();
  invoke.mockReset();
  invoke.mockResolvedValue({ ok: true, value: record({ id: 'e1' }) });
  store.startExecutionsStore();
});

afterEach(() => {
  store.resetExecutionsStore();
  vi.useRealTimers();
});

describe('executions store', () => {
  it('subscribes once however often it is started', () => {
    store.startExecutionsStore();
    store.startExecutionsStore();
    expect(listeners.get('execution:progress')).toHaveLength(1);
    expect(listeners.get('execution:updated')).toHaveLength(1);
  });

  it('applies every event of one frame, merging the changes to the same file', () => {
    emit('execution:updated', record({ id: 'e1', status: 'TRANSFERRING' }));
    emit('execution:progress', progressEvent('e1', [file('a', 'queued'), file('b', 'queued')]));
    emit(
      'execution:progress',
      progressEvent('e1', [file('a', 'transferring', 40), file('c', 'queued')]),
    );
    emit('execution:progress', progressEvent('e1', [file('a', 'done', 100), file('b', 'failed')]));

    // Nothing reaches React before the frame.
    expect(store.fileModel('e1')).toBeUndefined();
    expect(store.progressStats()).toEqual({ received: 3, applied: 0 });

    vi.advanceTimersToNextFrame();

    const model = store.fileModel('e1');
    expect(model?.order).toEqual(['a', 'b', 'c']);
    expect(model?.byPath.get('a')).toEqual({ ...file('a', 'done', 100), index: 0 });
    expect(model?.byPath.get('b')?.state).toBe('failed');
    expect(model?.byPath.get('c')?.state).toBe('queued');
    expect(model?.counts).toMatchObject({ queued: 1, transferring: 0, done: 1, failed: 1 });
    expect(store.progressStats()).toEqual({ received: 3, applied: 3 });
    expect(window.dataferryStats).toEqual({ received: 3, applied: 3 });
    // One publication for the three events.
    expect(store.useExecutionsStore.getState().frame).toBe(1);
    expect(model?.version).toBe(1);
  });

  it('tracks the first unfinished file, also when a finished one starts again', () => {
    emit('execution:updated', record({ id: 'e1', status: 'TRANSFERRING' }));
    emit(
      'execution:progress',
      progressEvent(
        'e1',
        ['a', 'b', 'c', 'd'].map((p) => file(p, 'queued')),
      ),
    );
    store.flushExecutionEvents();
    expect(store.fileModel('e1')?.firstActive).toBe(0);
    emit('execution:progress', progressEvent('e1', [file('a', 'done'), file('b', 'failed')]));
    store.flushExecutionEvents();
    expect(store.fileModel('e1')?.firstActive).toBe(2);
    emit('execution:progress', progressEvent('e1', [file('c', 'done'), file('d', 'done')]));
    store.flushExecutionEvents();
    expect(store.fileModel('e1')?.firstActive).toBe(4);
    emit('execution:progress', progressEvent('e1', [file('b', 'verifying')]));
    store.flushExecutionEvents();
    expect(store.fileModel('e1')?.firstActive).toBe(1);
  });

  it('flushes even when no animation frame comes (a hidden window)', () => {
    emit('execution:updated', record({ id: 'e1', status: 'TRANSFERRING' }));
    emit('execution:progress', progressEvent('e1', [file('a', 'queued')]));
    vi.advanceTimersByTime(300);
    expect(store.fileModel('e1')?.order).toEqual(['a']);
  });

  it('applies 100,000 file events and keeps one entry per file', () => {
    emit('execution:updated', record({ id: 'e1', status: 'TRANSFERRING' }));
    const total = 100_000;
    for (let start = 0; start < total; start += 500) {
      const files: FileProgress[] = [];
      for (let i = start; i < start + 500; i++) files.push(file(`dir/f${i}`, 'queued'));
      emit('execution:progress', progressEvent('e1', files));
    }
    // Every file then moves on once, in the same frame.
    for (let start = 0; start < total; start += 500) {
      const files: FileProgress[] = [];
      for (let i = start; i < start + 500; i++) files.push(file(`dir/f${i}`, 'done', 100));
      emit('execution:progress', progressEvent('e1', files));
    }
    store.flushExecutionEvents();

    const model = store.fileModel('e1');
    expect(model?.order).toHaveLength(total);
    expect(model?.byPath.size).toBe(total);
    expect(model?.counts.done).toBe(total);
    expect(model?.counts.queued).toBe(0);
    expect(model?.order[99_999]).toBe('dir/f99999');
    expect(store.progressStats()).toEqual({ received: 400, applied: 400 });
  });

  it('merges records from events: progress moves counters, updates replace the record', () => {
    emit('execution:updated', record({ id: 'e1', status: 'PREPARING' }));
    const progress = progressEvent('e1', []);
    progress.status = 'TRANSFERRING';
    progress.counters.FilesTransferred = 7;
    progress.throughput = 2_000_000;
    progress.etaSeconds = 12;
    emit('execution:progress', progress);
    store.flushExecutionEvents();

    const state = store.useExecutionsStore.getState();
    expect(state.records.e1?.status).toBe('TRANSFERRING');
    expect(state.records.e1?.counters.FilesTransferred).toBe(7);
    expect(state.live.e1).toEqual({ throughput: 2_000_000, etaSeconds: 12 });
    expect(store.throughputSeries('e1')?.values).toEqual([2_000_000]);

    emit('execution:updated', record({ id: 'e1', status: 'SUCCESS', endTime: 5 }));
    store.flushExecutionEvents();
    expect(store.useExecutionsStore.getState().records.e1?.status).toBe('SUCCESS');
    expect(store.useExecutionsStore.getState().live.e1).toBeUndefined();
  });

  it('never lets a fetched running copy replace an ended record', async () => {
    emit('execution:updated', record({ id: 'e1', status: 'SUCCESS' }));
    store.flushExecutionEvents();
    invoke.mockResolvedValue({ ok: true, value: record({ id: 'e1', status: 'TRANSFERRING' }) });
    await store.loadExecution('e1');
    expect(store.useExecutionsStore.getState().records.e1?.status).toBe('SUCCESS');
  });

  it('loads the history into the store and fetches records it hears of first by progress', async () => {
    invoke.mockResolvedValueOnce({
      ok: true,
      value: [record({ id: 'a' }), record({ id: 'b', status: 'ERROR' })],
    });
    await store.loadExecutions({ limit: 50, offset: 0 });
    expect(invoke).toHaveBeenCalledWith('executions:list', { limit: 50, offset: 0 });
    expect(Object.keys(store.useExecutionsStore.getState().records).sort()).toEqual(['a', 'b']);

    invoke.mockResolvedValue({ ok: true, value: record({ id: 'new', status: 'TRANSFERRING' }) });
    emit('execution:progress', progressEvent('new', [file('x', 'queued')]));
    store.flushExecutionEvents();
    expect(invoke).toHaveBeenCalledWith('executions:get', { id: 'new' });
    await vi.waitFor(() =>
      expect(store.useExecutionsStore.getState().records.new?.status).toBe('TRANSFERRING'),
    );
    // Its files were kept meanwhile.
    expect(store.fileModel('new')?.order).toEqual(['x']);
  });

  it('drops the file model of an ended execution once nobody watches it', () => {
    const release = store.watchExecution('e1');
    emit('execution:updated', record({ id: 'e1', status: 'TRANSFERRING' }));
    emit('execution:progress', progressEvent('e1', [file('a', 'done', 100)]));
    emit('execution:updated', record({ id: 'e1', status: 'SUCCESS' }));
    store.flushExecutionEvents();
    expect(store.fileModel('e1')?.order).toEqual(['a']);
    release();
    expect(store.fileModel('e1')).toBeUndefined();
  });
});
