import dns from 'node:dns';
import net from 'node:net';
import { vi } from 'vitest';
import { EventBus } from '../../../src-main/events/event-bus';
import { createHandlers } from '../../../src-main/handlers/create-handlers';
import { dispatch, type Handlers } from '../../../src-main/handlers/dispatch';
import type { Location } from '../../../src-main/locations/location';
import { createAppServices, type AppServices } from '../../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../../src-main/store/secret-box';
import { AppError } from '../../../src-shared/errors';
import type { Result } from '../../../src-shared/ipc/result';
import type { AppInfo } from '../../../src-shared/model/app-info';
import type { LocationConfig } from '../../../src-shared/model/location-config';
import { tempDir } from '../../support/engine-harness';

/*
 * The app's real services and handlers over a temporary data folder, with every way out to a
 * server replaced: locations refuse to connect (AppError unavailable) and the bucket and export
 * pickers answer the same. Generated host names are therefore never resolved or contacted; the
 * guard below fails loudly if some path still opens a socket or asks DNS.
 */

export const OFFLINE_MESSAGE = 'this test reaches no server';

/** A location that refuses every operation with `unavailable`, naming what it stands for. */
export function refusingLocation(config: LocationConfig): Location {
  const description = `offline ${config.kind} location`;
  const refuse = (): Promise<never> =>
    Promise.reject(new AppError('unavailable', `Cannot reach ${description}: ${OFFLINE_MESSAGE}`));
  return {
    kind: config.kind,
    description,
    capabilities: {
      mtimePrecisionMs: 1,
      caseSensitive: true,
      emptyDirectories: true,
      symlinks: false,
      posixMetadata: false,
      storedHashes: [],
      shareableAcrossThreads: false,
      usefulConcurrency: 1,
      usefulThreads: 1,
      objectTags: false,
      snapshotReads: false,
    },
    connect: refuse,
    close: () => Promise.resolve(),
    stat: refuse,
    list: refuse,
    read: refuse,
    write: refuse,
    mkdir: refuse,
    remove: refuse,
    rmdir: refuse,
    setMetadata: refuse,
    storedHash: refuse,
    removeTemporaries: refuse,
    symlink: refuse,
  };
}

export interface OfflineRig {
  services: AppServices;
  handlers: Handlers;
  dataDir: string;
  /** How often each way out was asked for (they all refuse). */
  reached: { locations: number; buckets: number; exports: number };
  /** What the services and dispatch logged. */
  logged: string[];
  call(channel: unknown, request: unknown): Promise<Result<unknown>>;
  /** Closes the services (waiting for runs to end) and removes the data folder. */
  close(): Promise<void>;
}

/** Opens the services offline (see above) over a new data folder. */
export async function openOfflineRig(): Promise<OfflineRig> {
  const scratch = await tempDir('offline-rig');
  const dataDir = scratch.dir;
  const reached = { locations: 0, buckets: 0, exports: 0 };
  const logged: string[] = [];
  const services = createAppServices({
    dataDir,
    secretBox: createFileKeySecretBox(dataDir),
    bus: new EventBus(),
    schedule: false,
    log: (message) => void logged.push(message),
    engine: {
      createLocation: (config) => {
        reached.locations++;
        return refusingLocation(config);
      },
      prepareInline: true,
    },
    serverQueries: {
      listBuckets: (connection) => {
        reached.buckets++;
        connection.client.destroy();
        return Promise.reject(new AppError('unavailable', `No buckets: ${OFFLINE_MESSAGE}`));
      },
      listExports: (server) => {
        reached.exports++;
        return Promise.reject(
          new AppError('unavailable', `No exports from ${server}: ${OFFLINE_MESSAGE}`),
        );
      },
    },
  });
  const handlers = createHandlers({
    appInfo: { name: 'DataFerry', version: '0.0.0' } as AppInfo,
    services,
    desktop: { pickFolder: () => Promise.resolve(null) },
  });
  const log = {
    error: (message: string, error: unknown) => void logged.push(`${message}: ${String(error)}`),
  };
  return {
    services,
    handlers,
    dataDir,
    reached,
    logged,
    call: (channel, request) => dispatch(handlers, channel, request, log),
    close: async () => {
      await services.close();
      await scratch.remove();
    },
  };
}

/**
 * Makes any TCP connection or DNS lookup from this process throw, and counts the attempts:
 * proof that the offline rig reaches nothing. Returns the counter; restored by vi.restoreAllMocks.
 */
export function forbidNetwork(): { attempts: string[] } {
  const attempts: string[] = [];
  const refuse = (what: string) => (): never => {
    attempts.push(what);
    throw new Error(`network use is forbidden in this test: ${what}`);
  };
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(refuse('net.Socket.connect'));
  vi.spyOn(dns, 'lookup').mockImplementation(refuse('dns.lookup'));
  vi.spyOn(dns.promises, 'lookup').mockImplementation(refuse('dns.promises.lookup'));
  return { attempts };
}
