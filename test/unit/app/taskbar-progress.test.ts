import type { BrowserWindow } from 'electron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR_FLASH_MS } from '../../../src-main/app/progress-fraction';
import { showProgressInTaskbar } from '../../../src-main/app/taskbar-progress';
import { EventBus } from '../../../src-main/events/event-bus';
import { progress, record } from './execution-fixtures';

// The taskbar bar driven by real bus events, against a recording fake window.

function fakeWindow(): { window: BrowserWindow; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const window = {
    isDestroyed: () => false,
    setProgressBar: (...args: unknown[]) => void calls.push(args),
  } as unknown as BrowserWindow;
  return { window, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('showProgressInTaskbar', () => {
  it('sets the bar as executions run, only when it changes, and clears it at the end', () => {
    vi.useFakeTimers();
    const bus = new EventBus();
    const { window, calls } = fakeWindow();
    const stop = showProgressInTaskbar(bus, () => window);
    bus.emit('execution:updated', record('e1', 'LAUNCHING'));
    bus.emit('execution:updated', record('e1', 'PREPARING'));
    const moving = { EstimatedBytesToTransfer: 1000, BytesTransferred: 500 };
    bus.emit('execution:progress', progress('e1', 'TRANSFERRING', moving));
    bus.emit('execution:progress', progress('e1', 'TRANSFERRING', moving));
    bus.emit('app:menu-command', { command: 'refresh' });
    bus.emit('execution:updated', record('e1', 'ERROR'));
    expect(calls).toEqual([
      [2, { mode: 'indeterminate' }],
      [0.5, { mode: 'normal' }],
      [1, { mode: 'error' }],
    ]);
    vi.advanceTimersByTime(ERROR_FLASH_MS + 100);
    expect(calls.at(-1)).toEqual([-1, { mode: 'none' }]);
    stop();
    bus.emit('execution:updated', record('e2', 'LAUNCHING'));
    expect(calls).toHaveLength(4);
  });

  it('does nothing while there is no window', () => {
    const bus = new EventBus();
    showProgressInTaskbar(bus, () => null);
    expect(() => bus.emit('execution:updated', record('e1', 'LAUNCHING'))).not.toThrow();
  });
});
