import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import type { Location } from './location';
import type { CreateOptions } from './registry';
import { createLocalLocation } from './local/create-local-location';

/**
 * The Location for a config, loading only the code of its kind: a local folder needs neither the
 * AWS SDK nor the SMB and NFS clients, and loading them cost every run (and every worker thread)
 * about 0.2 s of CPU and 35 MiB. Network kinds come from the registry, loaded on first use.
 * Nothing is contacted yet: call `connect()`. Rejects as `createLocation` throws.
 */
export async function openLocation(
  config: LocationConfig,
  secrets: LocationSecrets,
  options: CreateOptions = {},
): Promise<Location> {
  if (config.kind === 'local') return createLocalLocation(config.path, options);
  const { createLocation } = await import('./registry');
  return createLocation(config, secrets, options);
}
