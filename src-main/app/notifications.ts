import { Notification, type BrowserWindow } from 'electron';
import type { Unsubscribe } from '../../src-shared/ipc/contract';
import type { ExecutionRecord } from '../../src-shared/model/execution';
import type { EventBus } from '../events/event-bus';
import { finishedNotice, shouldNotify } from './notification-text';

const MAX_REMEMBERED = 1000;

/**
 * Shows a desktop notification when an execution ends after a long run or while the window is
 * elsewhere ("Task Nightly finished: 1,234 files, 5.6 GiB"); clicking it brings the window back.
 * Does nothing where the OS has no notifications. Each execution is announced once.
 */
export function notifyWhenExecutionsEnd(
  bus: EventBus,
  window: () => BrowserWindow | null,
): Unsubscribe {
  const announced = new Set<string>();
  // Notifications are kept referenced until closed: a collected one loses its click handler.
  const shown = new Set<Notification>();
  return bus.subscribe((event, payload) => {
    if (event !== 'execution:updated') return;
    const record = payload as ExecutionRecord;
    if (announced.has(record.id)) return;
    const target = window();
    const focused = target !== null && !target.isDestroyed() && target.isFocused();
    if (!shouldNotify(record, focused)) return;
    announced.add(record.id);
    // An execution ends once: remembering the last few guards against a repeated final update.
    if (announced.size > MAX_REMEMBERED)
      announced.delete(announced.values().next().value as string);
    if (!Notification.isSupported()) return;
    const notification = new Notification({ ...finishedNotice(record), silent: false });
    shown.add(notification);
    notification.on('click', () => {
      shown.delete(notification);
      bringToFront(window());
    });
    notification.on('close', () => shown.delete(notification));
    notification.show();
  });
}

/** Restores, shows and focuses the window (if it still exists). */
export function bringToFront(target: BrowserWindow | null): void {
  if (!target || target.isDestroyed()) return;
  if (target.isMinimized()) target.restore();
  target.show();
  target.focus();
}
