import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { AppError } from '../../../src-shared/errors';
import type { S3Connection } from './s3-client';
import { mapS3Error } from './s3-errors';

/**
 * The names of the buckets the connection's credentials may list, sorted, every page.
 * Throws AppError: permission-denied (the credentials may not list buckets; a bucket can still
 * be typed by name), auth-failed, unavailable, timeout, invalid-config (TLS trust), cancelled.
 */
export async function listBuckets(
  connection: S3Connection,
  signal: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await connection.client.send(
        new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 }),
        { abortSignal: signal },
      );
      for (const bucket of page.Buckets ?? []) if (bucket.Name) names.push(bucket.Name);
      token = page.ContinuationToken;
    } while (token);
  } catch (error) {
    const mapped = mapS3Error(error, {
      operation: 'list buckets',
      bucket: '',
      endpointLabel: connection.endpointLabel,
    });
    if (mapped.code !== 'permission-denied') throw mapped;
    throw new AppError(
      'permission-denied',
      `These credentials may not list the buckets at ${connection.endpointLabel}: type the bucket's name instead`,
      mapped.details,
    );
  } finally {
    connection.client.destroy();
  }
  return names.sort();
}
