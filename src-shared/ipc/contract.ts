import { z } from 'zod';
import type { AppInfo } from '../model/app-info';
import type { Listing, LocationListing } from '../model/entry';
import {
  FILE_ACTIONS,
  type ExecutionProgress,
  type ExecutionRecord,
  type FileResult,
} from '../model/execution';
import {
  locationConfigSchema,
  locationSecretsSchema,
  objectStorageConfigSchema,
  s3ConfigSchema,
  type SavedLocation,
} from '../model/location-config';
import {
  MAX_PRESET_FILE_BYTES,
  type FilterPreview,
  type PresetImportResult,
} from '../model/preset';
import { filterPatternSchema, taskInputSchema, type Task } from '../model/task';
import type { ListenerName } from './listener-name';
import type { Result } from './result';

export { listenerName, type ListenerName } from './listener-name';

/**
 * The one typed contract between the UI and the main process. Each channel (`domain:verb`) maps to
 * the zod schema its request must pass and the type of its response; each event to its payload.
 * Electron IPC (via the preload) and the web host's WebSocket both serve exactly this map.
 */

/** A phantom value that carries a type and nothing else: responses are produced by our own code. */
function typed<T>(): T {
  return undefined as T;
}

const MAX_PATH_LENGTH = 4096;

/** A path as the user's OS writes it. Absolute-ness is checked by main, which knows the platform. */
const osPath = z
  .string()
  .min(1, 'a path is required')
  .max(MAX_PATH_LENGTH, `a path is at most ${MAX_PATH_LENGTH} characters`)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character');

const id = z.string().min(1).max(100);

/**
 * A saved location by id; an unsaved config with its secrets; or a saved location being edited
 * (id + the edited config): main fills in the stored secrets that were not typed, but only while
 * the config still names the server and account they were saved for.
 */
const locationTarget = z.union([
  z.object({ id }).strict(),
  z.object({ config: locationConfigSchema, secrets: locationSecretsSchema.optional() }).strict(),
  z
    .object({ id, config: locationConfigSchema, secrets: locationSecretsSchema.optional() })
    .strict(),
]);

/** An S3 or object-storage config whose bucket is not chosen yet. */
const bucketlessConfigSchema = z.discriminatedUnion('kind', [
  s3ConfigSchema.extend({ bucket: z.string().max(63).default('') }),
  objectStorageConfigSchema.extend({ bucket: z.string().max(255).default('') }),
]);

const paging = {
  limit: z.number().int().min(1).max(10_000).optional(),
  offset: z.number().int().min(0).optional(),
};
const bytesPerSecond = z
  .number()
  .int()
  .refine((n) => n === -1 || n >= 1024, 'BytesPerSecond is -1 (unlimited) or at least 1024');

const reportAction = z.enum(FILE_ACTIONS);
/** Only report lines whose path contains this text (case-insensitive). */
const reportSearch = z.string().max(1024).optional();

/** A file's contents for the UI to save (a report, a preset). */
export interface ExportedFile {
  /** A suggested file name, e.g. "report-<id>.csv". */
  fileName: string;
  mimeType: string;
  content: string;
}

/** A page of a task report. */
export interface ReportPage {
  total: number;
  items: FileResult[];
}

export const MENU_COMMANDS = [
  'go-home',
  'go-up',
  'go-back',
  'refresh',
  'toggle-hidden',
  'new-task',
  'new-location',
  'import-preset',
  'show-tasks',
  'show-locations',
  'show-history',
  'show-files',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export const contract = {
  /** Version, platform, data directory and home folder. */
  'app:info': {
    request: z.object({}).strict(),
    response: typed<AppInfo>(),
  },
  /** The entries of one local folder. Errors: not-found, not-dir, permission-denied, invalid-input. */
  'fs:list': {
    request: z
      .object({
        path: osPath,
        showHidden: z.boolean().optional(),
      })
      .strict(),
    response: typed<Listing>(),
  },

  /** Saved locations; secrets are never part of an answer, only which ones are set. */
  'locations:list': { request: z.object({}).strict(), response: typed<SavedLocation[]>() },
  'locations:get': { request: z.object({ id }).strict(), response: typed<SavedLocation>() },
  'locations:create': {
    request: z
      .object({
        name: z.string().trim().min(1).max(200),
        config: locationConfigSchema,
        secrets: locationSecretsSchema.optional(),
      })
      .strict(),
    response: typed<SavedLocation>(),
  },
  'locations:update': {
    request: z
      .object({
        id,
        name: z.string().trim().min(1).max(200).optional(),
        config: locationConfigSchema.optional(),
        secrets: locationSecretsSchema.optional(),
      })
      .strict(),
    response: typed<SavedLocation>(),
  },
  'locations:delete': { request: z.object({ id }).strict(), response: typed<null>() },
  /**
   * A saved location for a folder inside a saved one (what dragging a folder from a browser pane
   * onto a task slot makes): the same config and secrets with `path` (relative to the location's
   * root) appended; an identical saved location is reused. Errors: not-found, invalid-name.
   */
  'locations:derive': {
    request: z.object({ id, path: z.string().min(1).max(4096) }).strict(),
    response: typed<SavedLocation>(),
  },
  /** Test connection: a saved location by id, or an unsaved config with its secrets. */
  'locations:test': {
    request: locationTarget,
    response: typed<{ message: string }>(),
  },

  /**
   * One folder of any location, for its file browser: a saved location by id, or an unsaved
   * config with its secrets; `path` is relative to the location's root ('' for the root).
   * A large folder comes in parts: an answer with `next` is continued by asking again with
   * `cursor: next` (the rows of each part are added to those shown).
   * Errors: not-found, not-dir, permission-denied, auth-failed, unavailable, invalid-name...
   */
  'locations:browse': {
    request: z
      .object({
        target: locationTarget,
        path: z.string().max(4096).default(''),
        cursor: z.string().min(1).max(8192).optional(),
      })
      .strict(),
    response: typed<LocationListing>(),
  },
  /**
   * The buckets an S3 or S3-compatible account may list, for picking one (the config's bucket
   * is ignored and may be empty). Errors: permission-denied (the credentials may not list
   * buckets: type the name instead), auth-failed, unavailable, invalid-config.
   */
  'locations:buckets': {
    request: z
      .object({
        config: bucketlessConfigSchema,
        secrets: locationSecretsSchema.optional(),
        /** The saved location being edited: its stored secret key fills in an untyped one. */
        id: id.optional(),
      })
      .strict(),
    response: typed<{ buckets: string[] }>(),
  },
  /**
   * The exports an NFS server lists, for picking one before any is chosen (MOUNT EXPORT; a
   * mount port of 0 asks the portmapper). Errors: unavailable, timeout, not-supported.
   */
  'locations:exports': {
    request: z
      .object({
        server: z.string().min(1).max(253),
        mountPort: z.number().int().min(0).max(65535).default(0),
      })
      .strict(),
    response: typed<{ exports: { path: string; allowed: string[] }[] }>(),
  },

  'tasks:list': { request: z.object({}).strict(), response: typed<Task[]>() },
  'tasks:get': { request: z.object({ id }).strict(), response: typed<Task>() },
  'tasks:create': { request: taskInputSchema, response: typed<Task>() },
  'tasks:update': {
    request: z.object({ id, task: taskInputSchema }).strict(),
    response: typed<Task>(),
  },
  'tasks:delete': { request: z.object({ id }).strict(), response: typed<null>() },
  /**
   * How many of a source location's files a filter pair would move: walks the source (bounded by
   * `limit` files and ~10 s, `complete` false when it stopped early). Errors: the location's own
   * (not-found, auth-failed, unavailable...), invalid-input for a malformed pattern.
   */
  'tasks:preview-filter': {
    request: z
      .object({
        sourceLocationId: id,
        includes: filterPatternSchema,
        excludes: filterPatternSchema,
        limit: z.number().int().min(1).max(1_000_000).default(200_000),
      })
      .strict(),
    response: typed<FilterPreview>(),
  },
  /** The next run times of a cron expression (validates it). */
  'tasks:next-runs': {
    request: z
      .object({
        cron: z.string().min(1).max(200),
        count: z.number().int().min(1).max(50).default(5),
      })
      .strict(),
    response: typed<number[]>(),
  },

  'executions:list': {
    request: z.object({ taskId: id.optional(), ...paging }).strict(),
    response: typed<ExecutionRecord[]>(),
  },
  'executions:get': { request: z.object({ id }).strict(), response: typed<ExecutionRecord>() },
  /** Starts (or queues) an execution of a saved task. */
  'executions:start': {
    request: z.object({ taskId: id }).strict(),
    response: typed<ExecutionRecord>(),
  },
  'executions:cancel': { request: z.object({ id }).strict(), response: typed<ExecutionRecord>() },
  'executions:set-bandwidth': {
    request: z.object({ id, bytesPerSecond }).strict(),
    response: typed<ExecutionRecord>(),
  },
  /** A page of the task report, optionally one action or errors only. */
  'executions:report': {
    request: z
      .object({
        id,
        action: reportAction.optional(),
        onlyErrors: z.boolean().optional(),
        search: reportSearch,
        ...paging,
      })
      .strict(),
    response: typed<ReportPage>(),
  },
  /**
   * The whole task report (or one action / errors only / paths containing `search`) as a file's
   * contents, for the UI to save. Errors: not-found.
   */
  'executions:export-report': {
    request: z
      .object({
        id,
        format: z.enum(['json', 'csv']),
        action: reportAction.optional(),
        onlyErrors: z.boolean().optional(),
        search: reportSearch,
      })
      .strict(),
    response: typed<ExportedFile>(),
  },
  /** A preset file for a saved task: the task and its two locations, never their secrets. */
  'presets:export': { request: z.object({ id }).strict(), response: typed<ExportedFile>() },
  /**
   * Saves the task (and its locations, reusing identical saved ones) a preset file describes.
   * A malformed, oversized or hostile file is refused with invalid-input naming the problem,
   * and nothing is saved.
   */
  'presets:import': {
    request: z.object({ content: z.string().max(MAX_PRESET_FILE_BYTES) }).strict(),
    response: typed<PresetImportResult>(),
  },
  /**
   * The OS's own folder picker (desktop only; the web host answers not-supported and the UI
   * offers its folder browser). `path` is null when the user cancelled.
   */
  'dialog:pick-folder': {
    request: z.object({ title: z.string().max(200).optional() }).strict(),
    response: typed<{ path: string | null }>(),
  },
  'executions:log': {
    request: z.object({ id, ...paging }).strict(),
    response: typed<{ at: number; level: 'info' | 'warn' | 'error'; message: string }[]>(),
  },
} as const;

export const events = {
  /** A command chosen in the desktop app's menu, for the UI to carry out. */
  'app:menu-command': typed<{ command: MenuCommand }>(),
  /** An execution's status, phases or counters changed (also when it is created and ends). */
  'execution:updated': typed<ExecutionRecord>(),
  /** Live progress of a running execution, at most about 10 a second. */
  'execution:progress': typed<ExecutionProgress>(),
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
/** What a caller sends (before the schema's defaults and transforms). */
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
/** What a handler receives (after validation). */
export type ValidRequestOf<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = Contract[C]['response'];

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = Events[E];

export const CHANNELS = Object.keys(contract) as Channel[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);
}

/** Unsubscribes the listener it was returned for; calling it twice is harmless. */
export type Unsubscribe = () => void;

/**
 * `window.api` as the preload exposes it: one method per channel, one `on*` per event, and the
 * path of a dropped file (desktop only). Nothing else crosses the bridge.
 */
export type DataFerryApi = {
  readonly [C in Channel]: (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;
} & {
  readonly [E in EventName as ListenerName<E>]: (
    callback: (payload: EventPayload<E>) => void,
  ) => Unsubscribe;
} & {
  /** The OS path of a file or folder dropped on the window; '' when it has none. */
  readonly pathForFile: (file: File) => string;
};
