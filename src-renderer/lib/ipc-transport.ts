import type { DataFerryApi, Unsubscribe } from '../../src-shared/ipc/contract';
import { listenerName } from '../../src-shared/ipc/listener-name';
import { fail, type Result } from '../../src-shared/ipc/result';
import type { Transport } from './transport';

type LooseBridge = Record<string, ((arg: unknown) => unknown) | undefined>;

/** The desktop transport: calls the preload's window.api, which is built from the contract. */
export function createIpcTransport(bridge: DataFerryApi): Transport {
  const loose = bridge as unknown as LooseBridge;
  return {
    kind: 'desktop',
    async invoke(channel, request): Promise<Result<unknown>> {
      const method = loose[channel];
      if (!method) return fail({ code: 'invalid-input', message: `Unknown channel: ${channel}` });
      try {
        return (await method(request)) as Result<unknown>;
      } catch (error) {
        return fail({
          code: 'unavailable',
          message: `Could not reach the DataFerry main process: ${String(error)}`,
        });
      }
    },
    subscribe(event, callback): Unsubscribe {
      const on = loose[listenerName(event)];
      return on ? (on(callback) as Unsubscribe) : () => undefined;
    },
    pathForFile(file) {
      const found = bridge.pathForFile(file);
      return found === '' ? null : found;
    },
    onStatus(callback) {
      callback('connected');
      return () => undefined;
    },
  };
}
