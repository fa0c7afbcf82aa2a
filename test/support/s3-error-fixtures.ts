import {
  locationConfigSchema,
  type ObjectStorageConfig,
} from '../../src-shared/model/location-config';

/** An object-storage config for a server on 127.0.0.1 (HTTP, bucket "photos"). */
export const objectStorage = (
  port: number,
  extra: Partial<ObjectStorageConfig> = {},
): ObjectStorageConfig =>
  locationConfigSchema.parse({
    kind: 'object-storage',
    server: '127.0.0.1',
    port,
    protocol: 'HTTP',
    bucket: 'photos',
    accessKeyId: 'AKIAEXAMPLE',
    ...extra,
  }) as ObjectStorageConfig;

/** AWS's documented example secret: never a real one. */
export const secrets = { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** What a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
