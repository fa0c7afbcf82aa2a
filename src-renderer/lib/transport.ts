import type { Unsubscribe } from '../../src-shared/ipc/contract';
import type { Result } from '../../src-shared/ipc/result';

export type ConnectionStatus = 'connected' | 'connecting' | 'disconnected';

/** How the api client reaches main: Electron's preload bridge or the web host's WebSocket. */
export interface Transport {
  readonly kind: 'desktop' | 'web';
  /** Never rejects: failures to reach main come back as an `unavailable` result. */
  invoke(channel: string, request: unknown): Promise<Result<unknown>>;
  subscribe(event: string, callback: (payload: unknown) => void): Unsubscribe;
  /** The OS path of a dropped file, or null where the platform does not reveal it (browsers). */
  pathForFile(file: File): string | null;
  onStatus(callback: (status: ConnectionStatus) => void): Unsubscribe;
}
