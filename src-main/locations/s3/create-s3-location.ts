import type { StorageClass } from '@aws-sdk/client-s3';
import type {
  LocationSecrets,
  ObjectStorageConfig,
  S3Config,
} from '../../../src-shared/model/location-config';
import { createS3Connection } from './s3-client';
import { S3Location } from './s3-location';
import { WrittenIndex } from './written-index';

/**
 * The S3Location for an Amazon S3 or S3-compatible config. Nothing is contacted yet.
 * `timeoutMs` (when given) limits both the time to connect and the silence on a connection
 * before a request fails with `timeout`: a stalled server is not waited for past it.
 * Throws: invalid-config (a malformed endpoint, access keys without a secret).
 */
export function createS3Location(
  config: S3Config | ObjectStorageConfig,
  secrets: LocationSecrets,
  description: string,
  options: { timeoutMs?: number; dataDir?: string | undefined } = {},
): S3Location {
  const connection = createS3Connection(
    config,
    secrets,
    options.timeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.timeoutMs, requestTimeoutMs: options.timeoutMs },
  );
  return new S3Location({
    kind: config.kind,
    connection,
    prefix: config.prefix,
    description,
    // STANDARD is every server's default; S3-compatible servers may not know Amazon's others.
    storageClass:
      config.kind === 's3' && config.storageClass !== 'STANDARD'
        ? (config.storageClass as StorageClass)
        : undefined,
    identity: identityOf(config),
    metadataKeys: config.metadataKeys ?? 'both',
    // In the data folder of the CLI or app (CreateOptions.dataDir, handed to every thread).
    index: WrittenIndex.in(options.dataDir, `${connection.endpointLabel} ${connection.bucket}`),
  });
}

/** Same endpoint and same credentials: the requirement for copying server-side between two. */
function identityOf(config: S3Config | ObjectStorageConfig): string {
  if (config.kind === 's3') {
    return JSON.stringify([
      's3',
      config.endpoint,
      config.region,
      config.credentials,
      config.profile,
      config.accessKeyId,
    ]);
  }
  return JSON.stringify([
    'object-storage',
    config.protocol,
    config.server,
    config.port,
    config.accessKeyId,
  ]);
}
