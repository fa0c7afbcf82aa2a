import { assertNever } from '../../src-shared/assert-never';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import { createLocalLocation } from './local/create-local-location';
import type { Location } from './location';
export { describeLocation } from './describe-location';
import { describeLocation } from './describe-location';
import { MemoryLocation } from './memory/memory-location';
import { createNfsLocation } from './nfs/create-nfs-location';
import { createS3Location } from './s3/create-s3-location';
import { createSmbLocation } from './smb/create-smb-location';

/**
 * The Location for a config. Nothing is contacted yet: call `connect()`.
 * Throws: invalid-config (a local folder that is not an absolute path), not-supported (a kind
 * whose client has not arrived yet).
 */
export interface CreateOptions {
  /** The location lives in a transfer worker thread, where blocking I/O is cheaper (local). */
  inWorker?: boolean;
  /**
   * Network locations: how long one request may go unanswered before it fails with `timeout`
   * (SMB and NFS: per call; S3: to connect, and silence on a connection). Undefined: each
   * kind's default. Local folders ignore it (the kernel owns their I/O).
   */
  ioTimeoutMs?: number | undefined;
  /**
   * The data folder of the app or CLI (S3: the index of the objects DataFerry wrote lives
   * there, see s3/written-index.ts). Undefined: no index.
   */
  dataDir?: string | undefined;
}

export function createLocation(
  config: LocationConfig,
  secrets: LocationSecrets,
  options: CreateOptions = {},
): Location {
  switch (config.kind) {
    case 'local':
      return createLocalLocation(config.path, options);
    case 'memory':
      return new MemoryLocation(config.name);
    case 'smb':
      return createSmbLocation(config, secrets, describeLocation(config), timeouts(options));
    case 'nfs':
      return createNfsLocation(config, describeLocation(config), timeouts(options));
    case 's3':
    case 'object-storage':
      return createS3Location(config, secrets, describeLocation(config), {
        ...timeouts(options),
        dataDir: options.dataDir,
      });
    default:
      return assertNever(config, 'location kind');
  }
}

function timeouts(options: CreateOptions): { timeoutMs?: number } {
  return options.ioTimeoutMs === undefined ? {} : { timeoutMs: options.ioTimeoutMs };
}
