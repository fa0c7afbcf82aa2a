import type { EventName, EventPayload, Unsubscribe } from '../../src-shared/ipc/contract';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/**
 * Carries contract events from services to every connected UI (the Electron window, the web
 * host's sockets). A listener that throws is isolated: the others still get the event.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch {
        // A broken transport must not stop the others; it reports its own failures.
      }
    }
  }

  subscribe(listener: EventListener): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
