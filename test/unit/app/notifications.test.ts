import type { BrowserWindow } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src-main/events/event-bus';
import {
  finishedNotice,
  formatBytes,
  NOTIFY_AFTER_MS,
  shouldNotify,
} from '../../../src-main/app/notification-text';
import { record } from './execution-fixtures';

// Electron cannot run here: Notification is a recording fake.
const shown: { options: { title: string; body: string }; handlers: Map<string, () => void> }[] = [];
let supported = true;
vi.mock('electron', () => {
  class FakeNotification {
    private readonly entry: (typeof shown)[number];
    static isSupported = (): boolean => supported;
    constructor(options: { title: string; body: string }) {
      this.entry = { options, handlers: new Map() };
    }
    on(event: string, fn: () => void): void {
      this.entry.handlers.set(event, fn);
    }
    show(): void {
      shown.push(this.entry);
    }
  }
  return { Notification: FakeNotification };
});

const { notifyWhenExecutionsEnd } = await import('../../../src-main/app/notifications');

const LONG = NOTIFY_AFTER_MS + 1;

function fakeWindow(focused: boolean): BrowserWindow & { focus: ReturnType<typeof vi.fn> } {
  return {
    isDestroyed: () => false,
    isFocused: () => focused,
    isMinimized: () => true,
    restore: vi.fn(),
    show: vi.fn(),
    focus: vi.fn(),
  } as unknown as BrowserWindow & { focus: ReturnType<typeof vi.fn> };
}

beforeEach(() => {
  shown.length = 0;
  supported = true;
});

describe('shouldNotify', () => {
  const ended = (ms: number, overrides = {}) =>
    record('e', 'SUCCESS', {}, { launchTime: 1000, endTime: 1000 + ms, ...overrides });

  it('announces long runs, and short ones while the window is elsewhere', () => {
    expect(shouldNotify(ended(LONG), true)).toBe(true);
    expect(shouldNotify(ended(2000), true)).toBe(false);
    expect(shouldNotify(ended(2000), false)).toBe(true);
    expect(shouldNotify(record('e', 'TRANSFERRING'), false)).toBe(false);
  });

  it('stays quiet for a cancel before the run launched', () => {
    expect(shouldNotify(ended(LONG, { status: 'CANCELLED', launchTime: null }), false)).toBe(false);
    expect(shouldNotify(ended(LONG, { status: 'CANCELLED' }), false)).toBe(true);
  });
});

describe('finishedNotice', () => {
  it('says what moved, what failed, and why a run failed', () => {
    expect(
      finishedNotice(
        record('e', 'SUCCESS', { FilesTransferred: 1234, BytesTransferred: 6_012_954_214 }),
      ),
    ).toEqual({ title: 'Task Nightly finished', body: '1,234 files, 5.6 GiB' });
    expect(finishedNotice(record('e', 'SUCCESS', { FilesSkipped: 9 })).body).toBe(
      'Everything was already up to date',
    );
    expect(
      finishedNotice(
        record(
          'e',
          'ERROR',
          {},
          { error: { code: 'auth-failed', message: 'Wrong password for //nas/data' } },
        ),
      ),
    ).toEqual({ title: 'Task Nightly failed', body: 'Wrong password for //nas/data' });
    expect(
      finishedNotice(record('e', 'CANCELLED', { FilesTransferred: 1, BytesTransferred: 10 })),
    ).toEqual({
      title: 'Task Nightly cancelled',
      body: '1 file, 10 B transferred before it stopped',
    });
  });

  it('formats sizes as the app does', () => {
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });
});

describe('notifyWhenExecutionsEnd', () => {
  it('shows one notification per ended execution; a click brings the window back', () => {
    const bus = new EventBus();
    const window = fakeWindow(true);
    notifyWhenExecutionsEnd(bus, () => window);
    bus.emit('execution:updated', record('e1', 'TRANSFERRING'));
    const done = record(
      'e1',
      'SUCCESS',
      { FilesTransferred: 2, BytesTransferred: 2048 },
      {
        launchTime: 0,
        endTime: LONG,
      },
    );
    bus.emit('execution:updated', done);
    bus.emit('execution:updated', done);
    expect(shown.map((s) => s.options)).toEqual([
      expect.objectContaining({ title: 'Task Nightly finished', body: '2 files, 2.0 KiB' }),
    ]);
    shown[0]?.handlers.get('click')?.();
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
  });

  it('stays quiet for a short run in a focused window, and where notifications are unsupported', () => {
    const bus = new EventBus();
    notifyWhenExecutionsEnd(bus, () => fakeWindow(true));
    bus.emit('execution:updated', record('e1', 'SUCCESS', {}, { launchTime: 0, endTime: 500 }));
    supported = false;
    bus.emit('execution:updated', record('e2', 'SUCCESS', {}, { launchTime: 0, endTime: LONG }));
    expect(shown).toHaveLength(0);
  });
});
