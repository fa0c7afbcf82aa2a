import { AppError } from '../../src-shared/errors';
import {
  locationConfigSchema,
  locationSecretsSchema,
  type LocationConfig,
  type LocationSecrets,
  type ObjectStorageConfig,
  type S3Config,
  type SavedLocation,
} from '../../src-shared/model/location-config';
import { describeNetworkMount, type LocationListing } from '../../src-shared/model/entry';
import type { FilterPreview } from '../../src-shared/model/preset';
import { parentOfRelative } from '../locations/relative-path';
import type { NfsExport } from '../locations/nfs/nfs-exports';
import type { S3Connection } from '../locations/s3/s3-client';
import { detectNetworkMount } from '../locations/local/network-mount';
import type { Location } from '../locations/location';
import type { HistoryStore } from '../store/history-store';
import { previewFilter, type PreviewRequest } from './filter-preview';
import { configForSubfolder, findIdentical, sameSecrets, uniqueName } from './location-identity';

export type LocationTarget =
  | { id: string }
  | { config: LocationConfig; secrets?: LocationSecrets }
  | { id: string; config: LocationConfig; secrets?: LocationSecrets };

const TEST_TIMEOUT_MS = 15_000;
/** Listing pages (1,000 entries each on S3) in each continued part of a browsed folder. */
const PAGES_PER_PART = 5;

/**
 * What the service asks a server before any location exists (the pickers of the location form).
 * The defaults talk to the network; tests that feed generated host names replace them, so that
 * no such name is ever resolved or contacted.
 */
export interface ServerQueries {
  /** The buckets an account may list; closes the connection. Throws as listBuckets does. */
  listBuckets(connection: S3Connection, signal: AbortSignal): Promise<string[]>;
  /** The exports an NFS server lists. Throws as listNfsExports does. */
  listExports(server: string, mountPort: number, signal: AbortSignal): Promise<NfsExport[]>;
}

/** The real queries, over the network. */
export const NETWORK_QUERIES: ServerQueries = {
  // Loaded on use: the AWS SDK and the NFS client cost every start that does not need them.
  listBuckets: async (connection, signal) =>
    (await import('../locations/s3/s3-buckets')).listBuckets(connection, signal),
  listExports: async (server, mountPort, signal) =>
    (await import('../locations/nfs/nfs-exports')).listNfsExports(server, mountPort, signal),
};

/** Saved locations (secrets write-only) and "Test connection". */
export class LocationService {
  constructor(
    private readonly store: HistoryStore,
    private readonly createLocation: (
      config: LocationConfig,
      secrets: LocationSecrets,
    ) => Location | Promise<Location>,
    private readonly queries: ServerQueries = NETWORK_QUERIES,
  ) {}

  /** Saved locations; local ones on an OS-mounted NFS or SMB share say which. */
  async list(): Promise<SavedLocation[]> {
    return Promise.all(this.store.locations.list().map((l) => withMount(l)));
  }

  async get(id: string): Promise<SavedLocation> {
    return withMount(this.store.locations.get(id));
  }

  /** Throws invalid-input (memory locations cannot be saved), already-exists (the name). */
  create(name: string, config: LocationConfig, secrets: LocationSecrets = {}): SavedLocation {
    if (config.kind === 'memory')
      throw new AppError(
        'invalid-input',
        'In-memory locations exist only in tests and cannot be saved',
      );
    return this.store.locations.create(
      name,
      locationConfigSchema.parse(config),
      locationSecretsSchema.parse(secrets),
    );
  }

  update(
    id: string,
    changes: { name?: string; config?: LocationConfig; secrets?: LocationSecrets },
  ): SavedLocation {
    return this.store.locations.update(id, changes);
  }

  delete(id: string): void {
    this.store.locations.delete(id);
  }

  /**
   * A saved location for a folder inside a saved one: the same config (with `path`, relative to
   * its root, appended to its folder) and the same secrets, named "<name> / <path>". A saved
   * location naming the same place with the same secrets is returned instead of a twin.
   * Throws AppError `not-found` (the id), `invalid-name` (an empty path, or one that could leave
   * the root), `invalid-config` (the parent's secrets cannot be decrypted).
   */
  async derive(id: string, path: string): Promise<SavedLocation> {
    const derived = this.store.db.transaction(() => {
      const parent = this.store.locations.get(id);
      const config = configForSubfolder(parent.config, path);
      const secrets = this.store.locations.secretsOf(id);
      const all = this.store.locations.list();
      const same = findIdentical(all, config, (l) => this.hasSecrets(l.id, secrets));
      if (same) return same;
      const taken = new Set(all.map((l) => l.name));
      const name = uniqueName(
        `${parent.name} / ${path}`,
        (n) => taken.has(n),
        (n) => ` (${n + 1})`,
      );
      return this.create(name, config, secrets);
    });
    return withMount(derived);
  }

  /**
   * How many files of a saved location a filter pair lets through (see previewFilter). Throws
   * AppError `not-found` (the id), `invalid-input` (a malformed pattern), the location's errors.
   */
  async previewFilter(id: string, request: PreviewRequest): Promise<FilterPreview> {
    const saved = this.store.locations.get(id);
    return previewFilter(
      this.createLocation,
      saved.config,
      this.store.locations.secretsOf(id),
      request,
    );
  }

  /** Whether a saved location's secrets are these (false when they cannot be decrypted). */
  private hasSecrets(id: string, secrets: LocationSecrets): boolean {
    try {
      return sameSecrets(this.store.locations.secretsOf(id), secrets);
    } catch {
      return false;
    }
  }

  /**
   * Connects to a location and lists its root, with a time limit. Resolves with a sentence on
   * success; throws the precise AppError otherwise (unreachable, wrong credentials, not found...).
   */
  async test(config: LocationConfig, secrets: LocationSecrets): Promise<{ message: string }> {
    try {
      return await this.testRoot(config, secrets);
    } catch (error) {
      // A destination folder (prefix) that does not exist yet is normal: a run creates it. Say
      // so when the server, share, export or bucket above it answers.
      const top = topLevelOf(config);
      if (!(error instanceof AppError && error.code === 'not-found') || top === null) throw error;
      const reached = await this.testRoot(top, secrets).catch(() => null);
      if (reached === null) throw error;
      return {
        message: `${reached.message}. The folder ${folderOf(config)} does not exist yet: a run that writes there creates it (as a source it has nothing to copy)`,
      };
    }
  }

  private async testRoot(
    config: LocationConfig,
    secrets: LocationSecrets,
  ): Promise<{ message: string }> {
    return this.connected(config, secrets, async (location, signal) => {
      const entries = await location.list('', signal);
      const mount = config.kind === 'local' ? await detectNetworkMount(config.path) : null;
      const via = mount ? ` (an ${describeNetworkMount(mount)})` : '';
      return {
        message: `Connected to ${location.description}${via}: ${entries.length} entries at the top level`,
      };
    });
  }

  /**
   * One folder of a location for its file browser (a saved one by id, or an unsaved config),
   * within the time limit. Stores that list in pages (S3) answer part of a large folder with a
   * `next` cursor to continue from: the first part is one page, so rows show at once; later
   * parts several. Throws what connecting and listing throw, and timeout.
   */
  async browse(target: LocationTarget, path: string, cursor?: string): Promise<LocationListing> {
    const { config, secrets } = this.resolve(target);
    const continued = cursor !== undefined;
    return this.connected(
      config,
      secrets,
      async (location, signal) => {
        const part = location.listPage
          ? await location.listPage(path, cursor, continued ? PAGES_PER_PART : 1, signal)
          : { entries: await location.list(path, signal) };
        return {
          path,
          parent: path === '' ? null : parentOfRelative(path),
          entries: part.entries.map((e) => ({
            name: e.path.slice(path === '' ? 0 : path.length + 1),
            kind: e.type,
            size: e.size,
            mtimeMs: e.mtimeMs,
            ...(e.problem !== undefined && { problem: e.problem }),
          })),
          ...(part.next !== undefined && { next: part.next }),
        };
      },
      // The first part proved the location answers: a continuation goes straight to its page.
      { connect: !continued },
    );
  }

  /**
   * Runs `body` on a connected location within the time limit, then closes it. Throws what
   * connecting and `body` throw; timeout (naming the location) when the limit passes.
   */
  private async connected<T>(
    config: LocationConfig,
    secrets: LocationSecrets,
    body: (location: Location, signal: AbortSignal) => Promise<T>,
    { connect } = { connect: true },
  ): Promise<T> {
    const location = await this.createLocation(config, secrets);
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    try {
      if (connect) await location.connect(signal);
      return await body(location, signal);
    } catch (error) {
      if (signal.aborted) {
        throw new AppError(
          'timeout',
          `No answer from ${location.description} within ${TEST_TIMEOUT_MS / 1000} s`,
        );
      }
      throw error;
    } finally {
      await location.close();
    }
  }

  /** The buckets an S3 or S3-compatible account may list. Throws as listBuckets does. */
  async buckets(
    config: S3Config | ObjectStorageConfig,
    typed: LocationSecrets,
    id?: string,
  ): Promise<{ buckets: string[] }> {
    const secrets = id === undefined ? typed : this.withSaved(id, config, typed);
    const { createS3Connection } = await import('../locations/s3/s3-client');
    const connection = createS3Connection(config, secrets);
    const buckets = await this.queries.listBuckets(
      connection,
      AbortSignal.timeout(TEST_TIMEOUT_MS),
    );
    return { buckets };
  }

  /** The exports an NFS server lists. Throws as listNfsExports does. */
  async exports(
    server: string,
    mountPort: number,
  ): Promise<{ exports: { path: string; allowed: string[] }[] }> {
    return {
      exports: await this.queries.listExports(
        server,
        mountPort,
        AbortSignal.timeout(TEST_TIMEOUT_MS),
      ),
    };
  }

  /** The config and secrets a target names. Throws not-found, or invalid-input (see withSaved). */
  resolve(target: LocationTarget): { config: LocationConfig; secrets: LocationSecrets } {
    if (!('config' in target)) {
      return {
        config: this.store.locations.get(target.id).config,
        secrets: this.store.locations.secretsOf(target.id),
      };
    }
    const typed = target.secrets ?? {};
    if (!('id' in target)) return { config: target.config, secrets: typed };
    return { config: target.config, secrets: this.withSaved(target.id, target.config, typed) };
  }

  /**
   * The typed secrets, completed with the ones saved for location `id`, for testing an edited
   * config without typing them again. A saved secret goes only to the server and account it was
   * saved for: when the edit points elsewhere and a saved one would be needed, throws
   * invalid-input asking for it (so a changed server name cannot collect a stored password).
   */
  private withSaved(id: string, config: LocationConfig, typed: LocationSecrets): LocationSecrets {
    const saved = this.store.locations.get(id);
    const stored = this.store.locations.secretsOf(id);
    const missing = (Object.keys(stored) as (keyof LocationSecrets)[]).filter(
      (key) => stored[key] && typed[key] === undefined,
    );
    if (missing.length === 0) return typed;
    if (!sameAccount(saved.config, config)) {
      const what = missing.includes('password') ? 'password' : 'secret key';
      throw new AppError(
        'invalid-input',
        `The saved ${what} is only sent to the server and account it was saved for: type it again to use these settings`,
      );
    }
    return { ...stored, ...typed };
  }
}

async function withMount(location: SavedLocation): Promise<SavedLocation> {
  if (location.config.kind !== 'local') return location;
  return { ...location, networkMount: await detectNetworkMount(location.config.path) };
}

/** Whether two configs reach the same server as the same account (what a saved secret is for). */
export function sameAccount(saved: LocationConfig, edited: LocationConfig): boolean {
  const host = (name: string): string => name.trim().toLowerCase();
  switch (saved.kind) {
    case 'smb':
      return (
        edited.kind === 'smb' &&
        host(edited.server) === host(saved.server) &&
        edited.port === saved.port &&
        edited.user === saved.user &&
        host(edited.domain) === host(saved.domain)
      );
    case 's3':
      return (
        edited.kind === 's3' &&
        edited.credentials === saved.credentials &&
        edited.accessKeyId === saved.accessKeyId &&
        edited.endpoint === saved.endpoint
      );
    case 'object-storage':
      return (
        edited.kind === 'object-storage' &&
        host(edited.server) === host(saved.server) &&
        edited.port === saved.port &&
        edited.protocol === saved.protocol &&
        edited.accessKeyId === saved.accessKeyId
      );
    default:
      return edited.kind === saved.kind;
  }
}

/** The same location at the top of its share, export or bucket; null when it is already there. */
function topLevelOf(config: LocationConfig): LocationConfig | null {
  switch (config.kind) {
    case 'smb':
    case 'nfs':
      return config.path.replace(/[\\/]/g, '') === '' ? null : { ...config, path: '' };
    case 's3':
    case 'object-storage':
      return config.prefix.replace(/\//g, '') === '' ? null : { ...config, prefix: '' };
    default:
      return null;
  }
}

function folderOf(config: LocationConfig): string {
  if (config.kind === 's3' || config.kind === 'object-storage') return `"${config.prefix}"`;
  return 'path' in config ? `"${config.path}"` : '';
}
