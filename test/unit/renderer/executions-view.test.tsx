// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../../src-shared/ipc/contract';
import type { FileResult } from '../../../src-shared/model/execution';
import { phases, progressEvent, record } from './executions-fixtures';

const invoke = vi.fn();
const saveFile = vi.fn();
const listeners = new Map<string, ((payload: unknown) => void)[]>();

vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: (event: string, callback: (payload: unknown) => void) => {
    listeners.set(event, [...(listeners.get(event) ?? []), callback]);
    return () =>
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((c) => c !== callback),
      );
  },
}));
vi.mock('../../../src-renderer/lib/save-file', () => ({
  saveFile: (...args: unknown[]) => saveFile(...args),
}));
// uPlot needs a canvas, which jsdom does not have.
vi.mock('../../../src-renderer/components/chart/throughput-chart', () => ({
  ThroughputChart: () => <div data-testid="chart" />,
}));

const { PhaseTimeline } = await import('../../../src-renderer/features/executions/phase-timeline');
const { BandwidthControl } =
  await import('../../../src-renderer/features/executions/bandwidth-control');
const { ExecutionFiles } =
  await import('../../../src-renderer/features/executions/execution-files');
const { ExecutionView } = await import('../../../src-renderer/features/executions/execution-view');
const { flushExecutionEvents, resetExecutionsStore, startExecutionsStore, useExecutionsStore } =
  await import('../../../src-renderer/stores/executions-store');
const { useNavStore } = await import('../../../src-renderer/stores/nav-store');

const REPORT_TOTAL = 100_000;

function reportLine(index: number): FileResult {
  return {
    path: `dir/file-${index}.bin`,
    action: index % 10 === 0 ? 'failed' : 'transferred',
    size: 1000,
    sourceChecksum: 'xxh64:00ff',
    destinationChecksum: null,
    detail: index % 10 === 0 ? 'Permission denied' : null,
    errorCode: index % 10 === 0 ? 'permission-denied' : null,
    at: 0,
  };
}

/** Answers channels as main would; the report has REPORT_TOTAL lines. */
function answer(channel: Channel, request: Record<string, unknown>): unknown {
  if (channel === 'executions:report') {
    const offset = Number(request.offset ?? 0);
    const limit = Number(request.limit ?? 100);
    const items: FileResult[] = [];
    for (let i = offset; i < Math.min(REPORT_TOTAL, offset + limit); i++) items.push(reportLine(i));
    return { ok: true, value: { total: REPORT_TOTAL, items } };
  }
  if (channel === 'executions:export-report') {
    return { ok: true, value: { fileName: 'report-e1.csv', mimeType: 'text/csv', content: 'x' } };
  }
  if (channel === 'executions:set-bandwidth') {
    return { ok: true, value: record({ status: 'TRANSFERRING', bytesPerSecond: 10_000_000 }) };
  }
  if (channel === 'executions:get') return { ok: true, value: record({ status: 'TRANSFERRING' }) };
  if (channel === 'executions:cancel') return { ok: true, value: record({ status: 'CANCELLING' }) };
  return { ok: false, error: { code: 'unknown', message: `unexpected ${channel}` } };
}

beforeAll(() => {
  // jsdom lays nothing out: give the scrolling table a height so the virtualizer shows rows.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get: () => 640,
  });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
    configurable: true,
    get: () => 1000,
  });
});

beforeEach(() => {
  invoke.mockReset();
  invoke.mockImplementation((channel: Channel, request: Record<string, unknown>) =>
    Promise.resolve(answer(channel, request)),
  );
  saveFile.mockReset();
});

afterEach(() => {
  cleanup();
  resetExecutionsStore();
});

const ended = record({
  status: 'SUCCESS',
  endTime: Date.UTC(2025, 0, 2, 10, 5, 0),
  phases: phases({
    LAUNCHING: { status: 'SUCCESS', startedAt: 1, durationMs: 1200 },
    PREPARING: { status: 'SUCCESS', startedAt: 2, durationMs: 65_000 },
    TRANSFERRING: { status: 'SUCCESS', startedAt: 3, durationMs: 754_000 },
    VERIFYING: { status: 'SKIPPED' },
  }),
});

describe('PhaseTimeline', () => {
  it('shows each phase with its state and duration', () => {
    const now = 100_000;
    const running = record({
      status: 'TRANSFERRING',
      phases: phases({
        LAUNCHING: { status: 'SUCCESS', startedAt: 0, durationMs: 1200 },
        PREPARING: { status: 'ERROR', startedAt: 0, durationMs: 65_000 },
        TRANSFERRING: { status: 'RUNNING', startedAt: now - 42_000, durationMs: null },
      }),
    });
    render(<PhaseTimeline record={running} now={now} />);
    const steps = within(screen.getByRole('list', { name: 'Phases' })).getAllByRole('listitem');
    expect(steps.map((s) => s.dataset.status)).toEqual(['SUCCESS', 'ERROR', 'RUNNING', 'PENDING']);
    expect(steps[0]?.textContent).toContain('Done · 1 s');
    expect(steps[1]?.textContent).toContain('Failed · 1 min 05 s');
    expect(steps[2]?.textContent).toContain('Running · 42 s');
    expect(steps[2]?.getAttribute('aria-current')).toBe('step');
    expect(steps[3]?.textContent).toContain('Pending');
  });

  it('says which phases never ran once the execution ended', () => {
    const cancelled = record({
      status: 'CANCELLED',
      phases: phases({
        LAUNCHING: { status: 'SUCCESS', startedAt: 0, durationMs: 300 },
        PREPARING: { status: 'CANCELLED', startedAt: 0, durationMs: 2000 },
      }),
    });
    render(<PhaseTimeline record={cancelled} now={0} />);
    const steps = screen.getAllByRole('listitem');
    expect(steps[1]?.textContent).toContain('Cancelled · 2 s');
    expect(steps[2]?.textContent).toContain('Not run');
    expect(steps[3]?.textContent).toContain('Not run');
  });
});

describe('BandwidthControl', () => {
  it('sends the chosen limit in bytes per second (1 MB/s = 1,000,000 B/s)', async () => {
    render(<BandwidthControl record={record({ status: 'TRANSFERRING' })} />);
    expect(screen.getByTestId('bandwidth-in-force').textContent).toContain('Unlimited');
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Bandwidth limit'), { target: { value: '10' } });
    });
    expect(invoke).toHaveBeenCalledWith('executions:set-bandwidth', {
      id: 'e1',
      bytesPerSecond: 10_000_000,
    });
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Bandwidth limit'), {
        target: { value: 'unlimited' },
      });
    });
    expect(invoke).toHaveBeenLastCalledWith('executions:set-bandwidth', {
      id: 'e1',
      bytesPerSecond: -1,
    });
  });

  it('applies a custom limit typed in MB/s', async () => {
    render(<BandwidthControl record={record({ status: 'TRANSFERRING' })} />);
    fireEvent.change(screen.getByLabelText('Bandwidth limit'), { target: { value: 'custom' } });
    fireEvent.change(screen.getByLabelText('Custom limit in MB/s'), { target: { value: '2.5' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    });
    expect(invoke).toHaveBeenCalledWith('executions:set-bandwidth', {
      id: 'e1',
      bytesPerSecond: 2_500_000,
    });
  });

  it('shows the limit in force', () => {
    render(
      <BandwidthControl record={record({ status: 'TRANSFERRING', bytesPerSecond: 5_000_000 })} />,
    );
    expect(screen.getByTestId('bandwidth-in-force').textContent).toBe('In force: 5 MB/s');
    expect((screen.getByLabelText('Bandwidth limit') as HTMLSelectElement).value).toBe('5');
  });
});

describe('the task report table', () => {
  const reportCalls = (): Record<string, unknown>[] =>
    invoke.mock.calls
      .filter(([channel]) => channel === 'executions:report')
      .map(([, request]) => request as Record<string, unknown>);

  it('reads only the pages in view, 1,000 lines at a time', async () => {
    render(<ExecutionFiles record={ended} />);
    await screen.findAllByTestId('execution-file-row');
    expect(reportCalls()).toEqual([{ id: 'e1', limit: 1000, offset: 0 }]);
    expect(screen.getByText('100,000 report lines')).toBeTruthy();

    const body = screen.getByRole('rowgroup', { name: 'Task report, rows' });
    await act(async () => {
      body.scrollTop = 5000 * 32;
      fireEvent.scroll(body);
    });
    const offsets = reportCalls().map((r) => r.offset);
    expect(offsets).toContain(4000);
    expect(offsets).not.toContain(1000);
    expect(offsets).not.toContain(50_000);
    const row = await screen.findByText('dir/file-4995.bin');
    expect(row.closest('[data-testid="execution-file-row"]')?.getAttribute('data-state')).toBe(
      'transferred',
    );
  });

  it('filters on the server and exports with the same filter', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(<ExecutionFiles record={ended} />);
    await screen.findAllByTestId('execution-file-row');
    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'failed' } });
    fireEvent.change(screen.getByLabelText('Search path'), { target: { value: 'file-1' } });
    await act(async () => {
      vi.advanceTimersByTime(400);
    });
    vi.useRealTimers();
    expect(invoke).toHaveBeenCalledWith('executions:report', {
      id: 'e1',
      action: 'failed',
      search: 'file-1',
      limit: 1000,
      offset: 0,
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    });
    expect(invoke).toHaveBeenCalledWith('executions:export-report', {
      id: 'e1',
      format: 'csv',
      action: 'failed',
      search: 'file-1',
    });
    expect(saveFile).toHaveBeenCalledWith({
      fileName: 'report-e1.csv',
      mimeType: 'text/csv',
      content: 'x',
    });
  });

  it('offers no export of an empty report', async () => {
    invoke.mockImplementation((channel: Channel) =>
      Promise.resolve(
        channel === 'executions:report'
          ? { ok: true, value: { total: 0, items: [] } }
          : { ok: false, error: { code: 'unknown', message: channel } },
      ),
    );
    render(<ExecutionFiles record={ended} />);
    expect(await screen.findByText(/task report is empty/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toHaveProperty('disabled', true);
  });

  it('says why an export failed', async () => {
    render(<ExecutionFiles record={ended} />);
    await screen.findAllByTestId('execution-file-row');
    invoke.mockResolvedValueOnce({
      ok: false,
      error: { code: 'not-found', message: 'Execution e1 not found' },
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Export JSON' }));
    });
    expect(screen.getByRole('alert').textContent).toContain('Execution e1 not found');
    expect(saveFile).not.toHaveBeenCalled();
  });
});

describe('the live file table', () => {
  it('shows the files of the running execution with their state and progress', async () => {
    const running = record({ status: 'TRANSFERRING' });
    useExecutionsStore.setState({ records: { e1: running } });
    startExecutionsStore();
    const emit = (payload: unknown): void => {
      for (const callback of listeners.get('execution:progress') ?? []) callback(payload);
    };
    render(<ExecutionFiles record={running} />);
    expect(screen.getByText('Waiting for the first files…')).toBeTruthy();
    act(() => {
      emit(
        progressEvent('e1', [
          { path: 'a.bin', size: 1000, bytesDone: 1000, state: 'done' },
          { path: 'b.bin', size: 1000, bytesDone: 420, state: 'transferring' },
          { path: 'c.bin', size: 1000, bytesDone: 0, state: 'queued' },
        ]),
      );
      flushExecutionEvents();
    });
    const rows = screen.getAllByTestId('execution-file-row');
    expect(rows.map((r) => [r.dataset.path, r.dataset.state])).toEqual([
      ['a.bin', 'done'],
      ['b.bin', 'transferring'],
      ['c.bin', 'queued'],
    ]);
    expect(
      screen.getByRole('progressbar', { name: 'b.bin progress' }).getAttribute('aria-valuenow'),
    ).toBe('42');
    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'active' } });
    expect(screen.getAllByTestId('execution-file-row').map((r) => r.dataset.path)).toEqual([
      'b.bin',
    ]);
    // The live table does not read the report.
    expect(invoke.mock.calls.some(([channel]) => channel === 'executions:report')).toBe(false);
  });
});

describe('ExecutionView', () => {
  it('shows a running execution with its header and bandwidth control, and cancels it', async () => {
    useExecutionsStore.setState({
      records: { e1: record({ status: 'TRANSFERRING' }) },
    });
    render(<ExecutionView executionId="e1" />);
    expect(screen.getByRole('heading', { name: 'Photos to NAS' })).toBeTruthy();
    expect(screen.getByTestId('execution-status').textContent).toBe('Transferring');
    expect(screen.getByLabelText('Bandwidth limit')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    });
    expect(invoke).toHaveBeenCalledWith('executions:cancel', { id: 'e1' });
    expect(screen.getByRole('button', { name: 'Cancelling…' })).toHaveProperty('disabled', true);
  });

  it('shows the error of a failed run with its code, and runs the task again', async () => {
    const failed = record({
      status: 'ERROR',
      endTime: Date.UTC(2025, 0, 2, 10, 1, 0),
      error: { code: 'not-found', message: 'Source folder not found: /data/missing' },
    });
    useExecutionsStore.setState({ records: { e1: failed } });
    invoke.mockImplementation((channel: Channel, request: Record<string, unknown>) =>
      Promise.resolve(
        channel === 'executions:start'
          ? { ok: true, value: record({ id: 'e2', status: 'QUEUED' }) }
          : channel === 'executions:get'
            ? { ok: true, value: failed }
            : answer(channel, request),
      ),
    );
    render(<ExecutionView executionId="e1" />);
    const alert = screen.getByTestId('execution-error');
    expect(alert.textContent).toContain('Source folder not found: /data/missing');
    expect(alert.textContent).toContain('not-found');
    expect(screen.queryByLabelText('Bandwidth limit')).toBeNull();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run again' }));
    });
    expect(invoke).toHaveBeenCalledWith('executions:start', { taskId: 't1' });
    expect(useNavStore.getState().route).toEqual({ view: 'execution', executionId: 'e2' });
  });
});
