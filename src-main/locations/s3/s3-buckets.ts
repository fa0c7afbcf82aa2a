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
  const seen = new Set<string>();
  let token: string | undefined;
  try {
    do {
      const page = await connection.client.send(
        new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 }),
        { abortSignal: signal },
      );
      // A page with no Buckets element is not a ListAllMyBucketsResult (a proxy's HTML page
      // parses to {}): refused rather than shown as an account without buckets.
      if (page.Buckets === undefined && page.Owner === undefined) {
        throw new AppError(
          'unknown',
          `The bucket list at ${connection.endpointLabel}: the answer is not a ListAllMyBucketsResult: is this an S3 endpoint?`,
        );
      }
      for (const bucket of page.Buckets ?? []) if (bucket.Name) names.push(bucket.Name);
      token = page.ContinuationToken;
      if (token !== undefined && seen.has(token)) {
        throw new AppError(
          'unknown',
          `The bucket list at ${connection.endpointLabel} gave the continuation token "${token.slice(0, 64)}" a second time: it would go round in circles for ever`,
        );
      }
      if (token !== undefined) seen.add(token);
    } while (token);
  } catch (error) {
    if (error instanceof AppError) throw error;
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
