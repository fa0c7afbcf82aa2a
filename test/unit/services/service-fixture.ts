import { afterEach } from 'vitest';
import { EventBus } from '../../../src-main/events/event-bus';
import { createHandlers, type DesktopAbilities } from '../../../src-main/handlers/create-handlers';
import { dispatch } from '../../../src-main/handlers/dispatch';
import { createAppServices, type AppServices } from '../../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../../src-main/store/secret-box';
import type { Channel, RequestOf, ResponseOf } from '../../../src-shared/ipc/contract';
import type { AppInfo } from '../../../src-shared/model/app-info';
import { tempDir } from '../../support/engine-harness';

/** A Result as the tests read it: the value typed by channel. */
export type Answer<C extends Channel> =
  | { ok: true; value: ResponseOf<C> }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export interface ServiceRig {
  services: AppServices;
  bus: EventBus;
  dataDir: string;
  /** Calls a channel through dispatch, exactly as a UI does. */
  call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Answer<C>>;
  /** Like call, but the value, failing the test with the error's message otherwise. */
  value<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  /** How many locations and tasks are saved. */
  counts(): { locations: number; tasks: number };
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A new temp folder, removed after the test. */
export async function scratchDir(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanups.push(d.remove);
  return d.dir;
}

/** The app's services over a new data folder (real SQLite, file-key secrets), closed after. */
export async function openRig(desktop?: DesktopAbilities): Promise<ServiceRig> {
  const dataDir = await scratchDir('rig-data');
  const bus = new EventBus();
  const services = createAppServices({
    dataDir,
    secretBox: createFileKeySecretBox(dataDir),
    bus,
    schedule: false,
    log: () => undefined,
  });
  cleanups.push(() => services.close());
  const handlers = createHandlers({
    appInfo: {} as AppInfo,
    services,
    ...(desktop ? { desktop } : {}),
  });
  const call = <C extends Channel>(channel: C, request: RequestOf<C>): Promise<Answer<C>> =>
    dispatch(handlers, channel, request, { error: () => undefined }) as Promise<Answer<C>>;
  return {
    services,
    bus,
    dataDir,
    call,
    value: async (channel, request) => {
      const answer = await call(channel, request);
      if (!answer.ok) throw new Error(`${channel}: ${answer.error.code}: ${answer.error.message}`);
      return answer.value;
    },
    counts: () => ({
      locations: services.store.locations.list().length,
      tasks: services.store.tasks.list().length,
    }),
  };
}
