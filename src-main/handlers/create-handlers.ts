import { AppError } from '../../src-shared/errors';
import type { AppInfo } from '../../src-shared/model/app-info';
import type { AppServices } from '../services/app-services';
import { listLocalFolder } from '../services/local-folder-service';
import { exportReportFile } from '../services/report-file';
import type { Handlers } from './dispatch';

/** What only the desktop app can do (the OS's own dialogs); absent in the web host and tests. */
export interface DesktopAbilities {
  /** The OS folder picker; null when the user cancelled. */
  pickFolder(title?: string): Promise<string | null>;
}

export interface HandlerDeps {
  appInfo: AppInfo;
  services: AppServices;
  desktop?: DesktopAbilities;
}

/**
 * The handler of every contract channel, built once from the services. Both transports (Electron
 * IPC and the web host) serve this same object, so each channel has exactly one implementation.
 */
export function createHandlers({ appInfo, services, desktop }: HandlerDeps): Handlers {
  const { locations, tasks, executions, presets, store } = services;
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
    'locations:derive': ({ id, path }) => locations.derive(id, path),
    'locations:test': (request) => {
      const { config, secrets } = locations.resolve(request);
      return locations.test(config, secrets);
    },

    'locations:browse': ({ target, path, cursor }) => locations.browse(target, path, cursor),
    'locations:buckets': ({ config, secrets, id }) => locations.buckets(config, secrets ?? {}, id),
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
    'tasks:preview-filter': ({ sourceLocationId, ...request }) =>
      locations.previewFilter(sourceLocationId, request),

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
    'executions:export-report': ({ id, format, ...filter }) =>
      exportReportFile(store, id, format, filter),
    'executions:log': ({ id, ...query }) => store.executionLog.list(id, query),

    'presets:export': ({ id }) => presets.export(id),
    'presets:import': ({ content }) => presets.import(content),

    'dialog:pick-folder': async ({ title }) => {
      if (!desktop) {
        throw new AppError(
          'not-supported',
          "The web host cannot open this computer's folder picker: use the folder browser instead",
        );
      }
      return { path: await desktop.pickFolder(title) };
    },
  };
}
