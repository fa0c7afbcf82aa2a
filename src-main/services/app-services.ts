import type { EngineDeps } from '../engine/execution-runner';
import type { EventBus } from '../events/event-bus';
import { openLocation } from '../locations/open-location';
import { openHistoryStore, type HistoryStore } from '../store/history-store';
import type { SecretBox } from '../store/secret-box';
import { ExecutionService } from './execution-service';
import { LocationService, NETWORK_QUERIES, type ServerQueries } from './location-service';
import { PresetService } from './preset-service';
import { Scheduler } from './scheduler';
import { TaskService } from './task-service';

export interface AppServices {
  store: HistoryStore;
  locations: LocationService;
  tasks: TaskService;
  executions: ExecutionService;
  presets: PresetService;
  /** Cancels running executions, stops the scheduler, closes the store. */
  close(): Promise<void>;
}

export interface AppServicesOptions {
  dataDir: string;
  secretBox: SecretBox;
  bus: EventBus;
  /** Start scheduled tasks while this process runs (the app and the web host; not the CLI). */
  schedule: boolean;
  log(message: string): void;
  /** What runs use; `createLocation` here also serves Test connection, browsing and previews. */
  engine?: Partial<EngineDeps>;
  /** The bucket and NFS export pickers' queries (tests replace them: nothing is contacted). */
  serverQueries?: Partial<ServerQueries>;
}

/**
 * Opens the history store and builds the services on it: the one wiring used by the desktop app,
 * the web host and the CLI. Throws what opening the store throws (a damaged or newer database).
 */
export function createAppServices(options: AppServicesOptions): AppServices {
  const store = openHistoryStore(options.dataDir, options.secretBox);
  if (store.interruptedOnOpen > 0) {
    options.log(
      `${store.interruptedOnOpen} execution(s) were interrupted when DataFerry last stopped; marked ERROR`,
    );
  }
  // S3 locations keep the index of the objects they wrote in the data folder.
  const engine: EngineDeps = {
    createLocation: openLocation,
    dataDir: options.dataDir,
    ...options.engine,
  };
  const executions = new ExecutionService(store, options.bus, engine);
  let tasks: TaskService | null = null;
  const scheduler = options.schedule
    ? new Scheduler(
        (taskId) => tasks?.start(taskId),
        (task, error) =>
          options.log(`Scheduled run of task "${task.name}" did not start: ${String(error)}`),
      )
    : null;
  tasks = new TaskService(store, executions, scheduler);
  tasks.resync();
  // One factory for runs and for the location screens, so a test that swaps it reaches nothing.
  const locations = new LocationService(
    store,
    (config, secrets) => engine.createLocation(config, secrets, { dataDir: options.dataDir }),
    { ...NETWORK_QUERIES, ...options.serverQueries },
  );
  return {
    store,
    locations,
    tasks,
    executions,
    presets: new PresetService(store, locations, tasks),
    close: async () => {
      scheduler?.stop();
      await executions.shutdown();
      store.close();
    },
  };
}
