import { fail, type Result } from '../../src-shared/ipc/result';
import { WS_PATH, type WsServerMessage } from '../../src-shared/ipc/ws-protocol';
import type { ConnectionStatus, Transport } from './transport';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * The web transport: the contract over the web host's WebSocket (the access cookie rides along
 * with the upgrade). Requests made while connecting wait; a lost connection answers every
 * pending request `unavailable` and reconnects with backoff.
 */
export function createWebSocketTransport(url = defaultSocketUrl()): Transport {
  let socket: WebSocket | null = null;
  let nextId = 1;
  let delay = RECONNECT_MIN_MS;
  let status: ConnectionStatus = 'connecting';
  const waiting: string[] = [];
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();

  const setStatus = (next: ConnectionStatus): void => {
    status = next;
    for (const callback of statusListeners) callback(next);
  };

  const connect = (): void => {
    setStatus('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      delay = RECONNECT_MIN_MS;
      setStatus('connected');
      for (const frame of waiting.splice(0)) ws.send(frame);
    };
    ws.onmessage = (message) => receive(String(message.data));
    ws.onclose = () => {
      socket = null;
      for (const resolve of pending.values()) {
        resolve(
          fail({ code: 'unavailable', message: 'Lost the connection to the DataFerry host' }),
        );
      }
      pending.clear();
      setStatus('disconnected');
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    };
  };

  const receive = (text: string): void => {
    let message: WsServerMessage;
    try {
      message = JSON.parse(text) as WsServerMessage;
    } catch {
      return;
    }
    if (message.type === 'result' && message.id !== null) {
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    } else if (message.type === 'event') {
      for (const callback of listeners.get(message.event) ?? []) callback(message.payload);
    }
  };

  connect();

  return {
    kind: 'web',
    invoke(channel, request) {
      const id = nextId++;
      const frame = JSON.stringify({ type: 'request', id, channel, request });
      return new Promise((resolve) => {
        pending.set(id, resolve);
        if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
        else waiting.push(frame);
      });
    },
    subscribe(event, callback) {
      const set = listeners.get(event) ?? new Set();
      set.add(callback);
      listeners.set(event, set);
      return () => set.delete(callback);
    },
    pathForFile: () => null,
    onStatus(callback) {
      statusListeners.add(callback);
      callback(status);
      return () => statusListeners.delete(callback);
    },
  };
}

function defaultSocketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${WS_PATH}`;
}
