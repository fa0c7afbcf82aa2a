import net from 'node:net';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Connection } from '../../../src-main/locations/s3/s3-client';
import { objectStorage, rejection, secrets } from '../../support/s3-error-fixtures';
import { mapS3Error, type S3ErrorContext } from '../../../src-main/locations/s3/s3-errors';

/*
 * Real SDK errors from real sockets on 127.0.0.1, mapped: refused, silent and hung-up
 * connections, aborts (the recorded S3 answers are in s3-errors.test.ts).
 */

describe('mapS3Error on real sockets', () => {
  const ctx = (endpointLabel: string): S3ErrorContext => ({
    operation: 'list folder',
    bucket: 'photos',
    endpointLabel,
  });
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  async function listen(server: net.Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('a closed port -> unavailable naming the endpoint', async () => {
    const port = await listen(net.createServer());
    await new Promise((resolve) => (servers.pop() as net.Server).close(resolve));
    const connection = createS3Connection(objectStorage(port), secrets);
    const thrown = await rejection(
      connection.client.send(new ListObjectsV2Command({ Bucket: 'photos' })),
    );
    connection.client.destroy();
    const error = mapS3Error(thrown, ctx(connection.endpointLabel));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      `Cannot connect to http://127.0.0.1:${port}: the connection was refused; is the server running on that port? (ECONNREFUSED)`,
    );
    expect(error.details).toMatchObject({ errno: 'ECONNREFUSED' });
  });

  it('a server that accepts and never answers -> timeout after the inactivity limit', async () => {
    const port = await listen(net.createServer((socket) => sockets.push(socket)));
    const connection = createS3Connection(objectStorage(port), secrets, { requestTimeoutMs: 80 });
    const started = Date.now();
    const thrown = await rejection(
      connection.client.send(new ListObjectsV2Command({ Bucket: 'photos' })),
    );
    connection.client.destroy();
    expect((thrown as Error).name).toBe('TimeoutError');
    // Five attempts of at least 80 ms each: the limit applied, and timeouts were retried.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 80);
    const error = mapS3Error(thrown, ctx(connection.endpointLabel));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain(
      `http://127.0.0.1:${port} stopped answering while working on bucket "photos" (TimeoutError)`,
    );
  });

  it('a request aborted by its signal mid-flight -> cancelled, and not retried', async () => {
    let accepted = 0;
    const port = await listen(
      net.createServer((socket) => {
        accepted++;
        sockets.push(socket);
      }),
    );
    const connection = createS3Connection(objectStorage(port), secrets);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const thrown = await rejection(
      connection.client.send(new ListObjectsV2Command({ Bucket: 'photos' }), {
        abortSignal: controller.signal,
      }),
    );
    connection.client.destroy();
    expect((thrown as Error).name).toBe('AbortError');
    expect(accepted).toBe(1);
    const error = mapS3Error(thrown, ctx(connection.endpointLabel));
    expect(error.code).toBe('cancelled');
    expect(error.message).toBe(
      `Bucket "photos" at http://127.0.0.1:${port}: list folder cancelled`,
    );
  });

  it('a server that hangs up -> unavailable, though the SDK names it TimeoutError', async () => {
    const port = await listen(net.createServer((socket) => socket.on('data', () => socket.end())));
    const connection = createS3Connection(objectStorage(port), secrets);
    const thrown = await rejection(
      connection.client.send(new ListObjectsV2Command({ Bucket: 'photos' })),
    );
    connection.client.destroy();
    expect(thrown).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET' });
    const error = mapS3Error(thrown, ctx(connection.endpointLabel));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain(`http://127.0.0.1:${port} was closed unexpectedly`);
  });
});
