import { AppError } from '../../src-shared/errors';
import {
  locationConfigSchema,
  locationSecretsSchema,
  type LocationConfig,
  type LocationSecrets,
  type SavedLocation,
} from '../../src-shared/model/location-config';
import { describeNetworkMount } from '../../src-shared/model/entry';
import { detectNetworkMount } from '../locations/local/network-mount';
import type { Location } from '../locations/location';
import type { HistoryStore } from '../store/history-store';

const TEST_TIMEOUT_MS = 15_000;

/** Saved locations (secrets write-only) and "Test connection". */
export class LocationService {
  constructor(
    private readonly store: HistoryStore,
    private readonly createLocation: (config: LocationConfig, secrets: LocationSecrets) => Location,
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
   * Connects to a location and lists its root, with a time limit. Resolves with a sentence on
   * success; throws the precise AppError otherwise (unreachable, wrong credentials, not found...).
   */
  async test(config: LocationConfig, secrets: LocationSecrets): Promise<{ message: string }> {
    const location = this.createLocation(config, secrets);
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    try {
      await location.connect(signal);
      const entries = await location.list('', signal);
      const mount = config.kind === 'local' ? await detectNetworkMount(config.path) : null;
      const via = mount ? ` (an ${describeNetworkMount(mount)})` : '';
      return {
        message: `Connected to ${location.description}${via}: ${entries.length} entries at the top level`,
      };
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

  /** Tests a saved location with its stored secrets. */
  testSaved(id: string): Promise<{ message: string }> {
    const saved = this.store.locations.get(id);
    return this.test(saved.config, this.store.locations.secretsOf(id));
  }
}

async function withMount(location: SavedLocation): Promise<SavedLocation> {
  if (location.config.kind !== 'local') return location;
  return { ...location, networkMount: await detectNetworkMount(location.config.path) };
}
