import type {
  Channel,
  DataFerryApi,
  EventName,
  EventPayload,
  RequestOf,
  ResponseOf,
  Unsubscribe,
} from '../../src-shared/ipc/contract';
import type { Result } from '../../src-shared/ipc/result';
import { createIpcTransport } from './ipc-transport';
import type { ConnectionStatus, Transport } from './transport';
import { createWebSocketTransport } from './ws-transport';

declare global {
  interface Window {
    /** Present only inside the desktop app, put there by the preload. */
    readonly api?: DataFerryApi;
  }
}

/*
 * The renderer's only door to main. It uses window.api when the preload provided it (desktop)
 * and the web host's WebSocket otherwise; nothing else in the renderer knows which.
 */

let transport: Transport | null = null;

function current(): Transport {
  transport ??= window.api ? createIpcTransport(window.api) : createWebSocketTransport();
  return transport;
}

/** Calls a contract channel. Never rejects: failures are `{ok:false,error}`. */
export function invoke<C extends Channel>(
  channel: C,
  request: RequestOf<C>,
): Promise<Result<ResponseOf<C>>> {
  return current().invoke(channel, request) as Promise<Result<ResponseOf<C>>>;
}

/** Subscribes to a contract event; returns the unsubscribe function. */
export function on<E extends EventName>(
  event: E,
  callback: (payload: EventPayload<E>) => void,
): Unsubscribe {
  return current().subscribe(event, callback as (payload: unknown) => void);
}

/** The OS path of a dropped file, or null where the shell cannot know it (a web browser). */
export function pathForFile(file: File): string | null {
  return current().pathForFile(file);
}

export function shellKind(): Transport['kind'] {
  return current().kind;
}

export function onConnectionStatus(callback: (status: ConnectionStatus) => void): Unsubscribe {
  return current().onStatus(callback);
}
