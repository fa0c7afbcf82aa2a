import { z } from 'zod';
import type { AppInfo } from '../model/app-info';
import type { Listing } from '../model/entry';
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

export const MENU_COMMANDS = ['go-home', 'go-up', 'go-back', 'refresh', 'toggle-hidden'] as const;
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
} as const;

export const events = {
  /** A command chosen in the desktop app's menu, for the UI to carry out. */
  'app:menu-command': typed<{ command: MenuCommand }>(),
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
