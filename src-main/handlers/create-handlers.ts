import type { AppInfo } from '../../src-shared/model/app-info';
import type { AppServices } from '../services/app-services';
import { listLocalFolder } from '../services/local-folder-service';
import type { Handlers } from './dispatch';

export interface HandlerDeps {
  appInfo: AppInfo;
  services: AppServices;
}

/**
 * The handler of every contract channel, built once from the services. Both transports (Electron
 * IPC and the web host) serve this same object, so each channel has exactly one implementation.
 */
export function createHandlers({ appInfo, services }: HandlerDeps): Handlers {
  const { locations, tasks, executions, store } = services;
  return {
    'app:info': () => appInfo,
    'fs:list': (request) =>
      listLocalFolder(request.path, { showHidden: request.showHidden ?? false }),

    'locations:list': () => locations.list(),
    'locations:get': ({ id }) => locations.get(id),
    'locations:create': ({ name, config, secrets }) =>
      locations.create(name, config, secrets ?? {}),
    'locations:update': ({ id, ...changes }) => locations.update(id, changes),
    'locations:delete': ({ id }) => {
      locations.delete(id);
      return null;
    },
    'locations:test': (request) =>
      'id' in request
        ? locations.testSaved(request.id)
        : locations.test(request.config, request.secrets ?? {}),

    'locations:browse': ({ target, path }) => locations.browse(target, path),
    'locations:buckets': ({ config, secrets }) => locations.buckets(config, secrets ?? {}),
    'locations:exports': ({ server, mountPort }) => locations.exports(server, mountPort),

    'tasks:list': () => tasks.list(),
    'tasks:get': ({ id }) => tasks.get(id),
    'tasks:create': (input) => tasks.create(input),
    'tasks:update': ({ id, task }) => tasks.update(id, task),
    'tasks:delete': ({ id }) => {
      tasks.delete(id);
      return null;
    },
    'tasks:next-runs': ({ cron, count }) => tasks.nextRuns(cron, count),

    'executions:list': (query) => store.executions.list(query),
    'executions:get': ({ id }) => store.executions.get(id),
    'executions:start': ({ taskId }) => tasks.start(taskId),
    'executions:cancel': ({ id }) => executions.cancel(id),
    'executions:set-bandwidth': ({ id, bytesPerSecond }) =>
      executions.setBandwidth(id, bytesPerSecond),
    'executions:report': ({ id, ...query }) => {
      store.executions.get(id);
      return {
        total: store.fileResults.countWhere(id, query),
        items: store.fileResults.page(id, query),
      };
    },
    'executions:log': ({ id, ...query }) => store.executionLog.list(id, query),
  };
}
