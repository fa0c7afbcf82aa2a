// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName } from '../../../src-shared/ipc/contract';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import { record } from './executions-fixtures';

const invoke = vi.fn();
const listeners = new Map<string, ((payload: unknown) => void)[]>();

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

const { HistoryView, HISTORY_PAGE_SIZE } =
  await import('../../../src-renderer/features/history/history-view');
const { resetExecutionsStore, flushExecutionEvents } =
  await import('../../../src-renderer/stores/executions-store');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');

const HOUR = 3_600_000;
const base = Date.UTC(2025, 0, 10, 12, 0, 0);

/** `count` executions, newest first, one hour apart. */
function history(count: number): ExecutionRecord[] {
  return Array.from({ length: count }, (_, i) =>
    record({
      id: `x${i}`,
      taskName: i % 2 === 0 ? `Photos ${i}` : `Invoices ${i}`,
      status: i === 0 ? 'TRANSFERRING' : i % 3 === 0 ? 'ERROR' : 'SUCCESS',
      startTime: base - i * HOUR,
      endTime: i === 0 ? null : base - i * HOUR + 60_000,
    }),
  );
}

function serve(all: ExecutionRecord[]): void {
  invoke.mockImplementation((channel: string, request: { limit: number; offset: number }) =>
    Promise.resolve(
      channel === 'executions:list'
        ? { ok: true, value: all.slice(request.offset, request.offset + request.limit) }
        : { ok: false, error: { code: 'unknown', message: channel } },
    ),
  );
}

beforeEach(() => {
  invoke.mockReset();
  listeners.clear();
});
afterEach(() => {
  cleanup();
  resetExecutionsStore();
});

describe('HistoryView', () => {
  it('says so when there is no execution yet', async () => {
    serve([]);
    render(<HistoryView />);
    expect(await screen.findByTestId('history-empty')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Go to tasks' })).toBeTruthy();
  });

  it('lists executions newest first and loads more on demand', async () => {
    serve(history(70));
    render(<HistoryView />);
    await screen.findAllByTestId('history-row');
    expect(screen.getAllByTestId('history-row')).toHaveLength(HISTORY_PAGE_SIZE);
    expect(screen.getAllByTestId('history-row')[0]?.dataset.executionId).toBe('x0');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    });
    expect(invoke).toHaveBeenLastCalledWith('executions:list', {
      limit: HISTORY_PAGE_SIZE,
      offset: HISTORY_PAGE_SIZE,
    });
    const rows = screen.getAllByTestId('history-row');
    expect(rows).toHaveLength(70);
    expect(rows[69]?.dataset.executionId).toBe('x69');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('filters by status and task name', async () => {
    serve(history(12));
    render(<HistoryView />);
    await screen.findAllByTestId('history-row');
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'error' } });
    const errors = screen.getAllByTestId('history-row').map((r) => r.dataset.executionId);
    expect(errors).toEqual(['x3', 'x6', 'x9']);
    fireEvent.change(screen.getByLabelText('Filter by task name'), {
      target: { value: 'photos' },
    });
    expect(screen.getAllByTestId('history-row').map((r) => r.dataset.executionId)).toEqual(['x6']);
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'running' } });
    expect(screen.getAllByTestId('history-row').map((r) => r.dataset.executionId)).toEqual(['x0']);
  });

  it('updates running executions live and shows new ones on top', async () => {
    serve(history(3));
    render(<HistoryView />);
    await screen.findAllByTestId('history-row');
    const emit = (payload: ExecutionRecord): void => {
      for (const callback of listeners.get('execution:updated') ?? []) callback(payload);
    };
    act(() => {
      emit({ ...history(1)[0]!, status: 'SUCCESS', endTime: base + 5000 });
      emit(record({ id: 'fresh', taskName: 'New run', status: 'QUEUED', startTime: base + HOUR }));
      flushExecutionEvents();
    });
    const rows = screen.getAllByTestId('history-row');
    expect(rows.map((r) => r.dataset.executionId)).toEqual(['fresh', 'x0', 'x1', 'x2']);
    expect(rows[1]?.dataset.status).toBe('SUCCESS');
  });

  it('opens an execution on click and on Enter', async () => {
    serve(history(3));
    render(<HistoryView />);
    const rows = await screen.findAllByTestId('history-row');
    fireEvent.click(rows[1]!);
    expect(useNavStore.getState().route).toEqual({ view: 'execution', executionId: 'x1' });
    fireEvent.keyDown(rows[2]!, { key: 'Enter' });
    expect(useNavStore.getState().route).toEqual({ view: 'execution', executionId: 'x2' });
  });

  it('names the cause when the history cannot be read', async () => {
    invoke.mockResolvedValue({
      ok: false,
      error: { code: 'unavailable', message: 'The database is locked' },
    });
    render(<HistoryView />);
    expect((await screen.findByRole('alert')).textContent).toContain('The database is locked');
  });
});
