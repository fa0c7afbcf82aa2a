import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { CHANNELS, EVENT_NAMES, listenerName } from '../src-shared/ipc/contract';

/*
 * Builds window.api from the contract: one method per channel, one on* per event, and the path of
 * a dropped file. Nothing else crosses the bridge: no ipcRenderer, no event objects, no Node.
 */

const api: Record<string, unknown> = {};

for (const channel of CHANNELS) {
  api[channel] = (request: unknown) => ipcRenderer.invoke(channel, request);
}

for (const event of EVENT_NAMES) {
  api[listenerName(event)] = (callback: (payload: unknown) => void) => {
    if (typeof callback !== 'function')
      throw new TypeError(`${listenerName(event)} needs a function`);
    const listener = (_event: IpcRendererEvent, payload: unknown): void => callback(payload);
    ipcRenderer.on(event, listener);
    return () => {
      ipcRenderer.removeListener(event, listener);
    };
  };
}

api.pathForFile = (file: File): string => webUtils.getPathForFile(file);

contextBridge.exposeInMainWorld('api', Object.freeze(api));
