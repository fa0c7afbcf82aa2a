import net from 'node:net';
import { existsSync } from 'node:fs';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { startS3Server, type RunningS3Server, type S3ServerKind } from '../../support/s3-servers';

/** Resolves with the error code of a TCP connection to 127.0.0.1:port, or 'connected'. */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

let server: RunningS3Server | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe.each<S3ServerKind>(['fauxqs', 's3rver'])('startS3Server(%s)', (kind) => {
  it('serves S3 on 127.0.0.1, survives a restart, and closes its port when stopped', async () => {
    server = await startS3Server(kind);
    expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.url('bkt', 'in')).toBe(
      `s3://bkt/in?endpoint=http://127.0.0.1:${server.port}&pathStyle=true`,
    );
    await server.createBucket('bkt');
    await server.client.send(
      new PutObjectCommand({ Bucket: 'bkt', Key: 'in/a.txt', Body: Buffer.from('hello') }),
    );
    await server.client.send(
      new PutObjectCommand({ Bucket: 'bkt', Key: 'out/b.txt', Body: Buffer.from('x') }),
    );
    expect(await server.listKeys('bkt')).toEqual(['in/a.txt', 'out/b.txt']);
    expect(await server.listKeys('bkt', 'in/')).toEqual(['in/a.txt']);

    const { UploadId } = await server.client.send(
      new CreateMultipartUploadCommand({ Bucket: 'bkt', Key: 'in/big.bin' }),
    );
    expect(await server.listUploads('bkt')).toEqual([{ key: 'in/big.bin', uploadId: UploadId }]);
    if (kind === 'fauxqs') {
      await server.client.send(
        new AbortMultipartUploadCommand({ Bucket: 'bkt', Key: 'in/big.bin', UploadId }),
      );
      expect(await server.listUploads('bkt')).toEqual([]);
    }

    // Abrupt death, then back on the same port with the same objects.
    await server.kill();
    expect(await connect(server.port)).toBe('ECONNREFUSED');
    await server.restart();
    const got = await server.client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'in/a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');

    const { port, storageDir } = server;
    await server.stop();
    await server.stop(); // idempotent
    expect(await connect(port)).toBe('ECONNREFUSED');
    expect(existsSync(storageDir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/stopped for good/);
  });
});
