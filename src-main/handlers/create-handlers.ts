import type { AppInfo } from '../../src-shared/model/app-info';
import { listLocalFolder } from '../services/local-folder-service';
import type { Handlers } from './dispatch';

export interface HandlerDeps {
  appInfo: AppInfo;
}

/**
 * The handler of every contract channel, built once from the services. Both transports (Electron
 * IPC and the web host) serve this same object, so each channel has exactly one implementation.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'app:info': () => deps.appInfo,
    'fs:list': (request) =>
      listLocalFolder(request.path, { showHidden: request.showHidden ?? false }),
  };
}
