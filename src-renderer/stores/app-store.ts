import { create } from 'zustand';
import type { ErrorInfo } from '../../src-shared/errors';
import type { AppInfo } from '../../src-shared/model/app-info';
import { invoke, onConnectionStatus } from '../lib/api-client';
import type { ConnectionStatus } from '../lib/transport';

interface AppState {
  info: AppInfo | null;
  error: ErrorInfo | null;
  connection: ConnectionStatus;
  /** Loads app:info and follows the connection; call once at start. */
  start(): Promise<AppInfo | null>;
}

export const useAppStore = create<AppState>((set) => ({
  info: null,
  error: null,
  connection: 'connecting',
  async start() {
    onConnectionStatus((connection) => set({ connection }));
    const result = await invoke('app:info', {});
    if (!result.ok) {
      set({ error: result.error });
      return null;
    }
    set({ info: result.value, error: null });
    return result.value;
  },
}));
