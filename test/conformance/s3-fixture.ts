import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createLocation } from '../../src-main/locations/registry';
import { S3_TEST_CREDENTIALS, type RunningS3Server } from '../support/s3-servers';
import type { ConformanceFixture } from './location-conformance';

/**
 * A fresh, empty S3 location for each conformance test: its own prefix `<run>/root` in a shared
 * bucket, next to an object `<run>/x` that an escape would touch. Raw names include multipart
 * uploads in progress where the server can list them, so a failed write that left parts behind
 * fails the suite the way a leftover temporary file does on disk.
 */
export function s3FixtureMaker(
  server: () => RunningS3Server,
  bucket: string,
): () => Promise<ConformanceFixture> {
  return async () => {
    const s = server();
    const run = `run-${randomBytes(6).toString('hex')}`;
    const root = `${run}/root`;
    await s.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${run}/x`, Body: 'outside: must stay' }),
    );
    // The root folder exists (as its marker) but is empty.
    await s.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/`, Body: '' }));
    const location = createLocation(
      {
        kind: 'object-storage',
        server: '127.0.0.1',
        port: s.port,
        protocol: 'HTTP',
        bucket,
        prefix: root,
        accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
        pathStyle: true,
        caCertificatePem: '',
      },
      { secretAccessKey: S3_TEST_CREDENTIALS.secretAccessKey },
    );
    return {
      location,
      async cleanup() {
        // Each test has its own prefix: leaving the objects costs nothing but memory.
      },
      async putFile(path, data) {
        await s.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: `${root}/${path}`, Body: data }),
        );
      },
      async rawNames(folder) {
        const prefix = folder === '' ? `${root}/` : `${root}/${folder}/`;
        const keys = await s.listKeys(bucket, prefix);
        const names = keys
          .map((k) => k.slice(prefix.length))
          .filter((n) => n !== '' && !n.includes('/'));
        const uploads = (await s.listUploads(bucket)) ?? [];
        for (const u of uploads) {
          const rest = u.key.startsWith(prefix) ? u.key.slice(prefix.length) : null;
          if (rest !== null && !rest.includes('/')) names.push(`${rest} (upload in progress)`);
        }
        return names.sort();
      },
      async outside() {
        const keys = (await s.listKeys(bucket, `${run}/`)).filter((k) => !k.startsWith(`${root}/`));
        const x = await s.client.send(new GetObjectCommand({ Bucket: bucket, Key: `${run}/x` }));
        return JSON.stringify({ keys, x: await x.Body?.transformToString() });
      },
    };
  };
}
