import type { WebContents } from 'electron';
import type { Unsubscribe } from '../../src-shared/ipc/contract';
import type { EventBus } from '../events/event-bus';

/** Forwards every contract event on the bus to the window, while it exists. */
export function pushEventsToWindow(bus: EventBus, contents: () => WebContents | null): Unsubscribe {
  return bus.subscribe((event, payload) => {
    const target = contents();
    if (target && !target.isDestroyed()) target.send(event, payload);
  });
}
