import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src-main/events/event-bus';
import { createHandlers } from '../../src-main/handlers/create-handlers';
import { dispatch } from '../../src-main/handlers/dispatch';
import { createAppServices, type AppServices } from '../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../src-main/store/secret-box';
import type { Channel } from '../../src-shared/ipc/contract';
import type { Result } from '../../src-shared/ipc/result';
import type { AppInfo } from '../../src-shared/model/app-info';
import type { ExecutionRecord } from '../../src-shared/model/execution';
import { tempDir } from '../support/engine-harness';
import { randomFile, sha256File } from '../support/file-hash';
import { S3_TEST_CREDENTIALS, startS3Server, type RunningS3Server } from '../support/s3-servers';
import {
  makeCertificateAuthority,
  makeServerCertificate,
  opensslMissing,
  type CertificateAuthority,
} from '../support/tls-certs';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy';

/*
 * TLS for S3-compatible endpoints, on the wire: fauxqs behind a TLS terminating proxy whose
 * certificate a private CA signed. Test connection through the contract fails with a message that
 * names the untrusted certificate and the field to fix, and works once that CA is pasted into
 * the location; a certificate for another host name, or a pasted CA that did not sign the
 * server's, still fails. A real run through the proxy, checked byte for byte, both ways.
 */

const missing = opensslMissing();
const BUCKET = 'tls-bucket';

let scratch: { dir: string; remove(): Promise<void> };
let s3: RunningS3Server;
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let trusted: TlsProxy;
let wrongHost: TlsProxy;
let services: AppServices;
let call: (channel: Channel, request: unknown) => Promise<Result<unknown>>;

function config(port: number, caCertificatePem: string, prefix = '') {
  return {
    kind: 'object-storage',
    server: '127.0.0.1',
    port,
    protocol: 'HTTPS',
    bucket: BUCKET,
    prefix,
    accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
    caCertificatePem,
  };
}
const secrets = { secretAccessKey: S3_TEST_CREDENTIALS.secretAccessKey };

async function value<T>(channel: Channel, request: unknown): Promise<T> {
  const answer = await call(channel, request);
  if (!answer.ok) throw new Error(`${channel}: ${answer.error.code}: ${answer.error.message}`);
  return answer.value as T;
}

beforeAll(async () => {
  if (missing) return;
  scratch = await tempDir('s3-tls');
  const certs = path.join(scratch.dir, 'certs');
  await mkdir(certs);
  ca = makeCertificateAuthority(certs, 'ca');
  otherCa = makeCertificateAuthority(certs, 'other-ca');
  const server = makeServerCertificate(certs, ca, 'server', ['IP:127.0.0.1']);
  const elsewhere = makeServerCertificate(certs, ca, 'elsewhere', ['DNS:s3.wrong.example']);
  s3 = await startS3Server('fauxqs');
  await s3.createBucket(BUCKET);
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hello.txt', Body: 'hello' }));
  trusted = await startTlsProxy({ ...server, targetPort: s3.port });
  wrongHost = await startTlsProxy({ ...elsewhere, targetPort: s3.port });
  services = createAppServices({
    dataDir: path.join(scratch.dir, 'data'),
    secretBox: createFileKeySecretBox(path.join(scratch.dir, 'data')),
    bus: new EventBus(),
    schedule: false,
    log: () => undefined,
  });
  const handlers = createHandlers({ appInfo: { name: 'DataFerry' } as AppInfo, services });
  call = (channel, request) => dispatch(handlers, channel, request, { error: () => undefined });
}, 60_000);

afterAll(async () => {
  await services?.close();
  await trusted?.close();
  await wrongHost?.close();
  await s3?.stop();
  await scratch?.remove();
});

describe.skipIf(missing !== '')('S3-compatible storage over HTTPS with a private CA', () => {
  it('refuses an untrusted certificate, naming it and the field that fixes it', async () => {
    const answer = await call('locations:test', { config: config(trusted.port, ''), secrets });
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('invalid-config');
    expect(answer.error.message).toBe(
      `The server's certificate at https://127.0.0.1:${trusted.port} is not trusted (unable to verify the first certificate; UNABLE_TO_VERIFY_LEAF_SIGNATURE): add the certificate of the CA that issued it in the location's "CA certificate (PEM)" field`,
    );
    // The bucket picker says the same.
    const buckets = await call('locations:buckets', {
      config: { ...config(trusted.port, ''), bucket: '' },
      secrets,
    });
    expect(buckets).toMatchObject({ ok: false, error: { code: 'invalid-config' } });
    expect(trusted.handshakes()).toBe(0);
  });

  it('connects and lists the bucket once the CA certificate is pasted', async () => {
    const tested = await value<{ message: string }>('locations:test', {
      config: config(trusted.port, ca.certPem),
      secrets,
    });
    expect(tested.message).toContain(`https://127.0.0.1:${trusted.port}`);
    expect(tested.message).toContain('1 entries at the top level');
    const buckets = await value<{ buckets: string[] }>('locations:buckets', {
      config: { ...config(trusted.port, ca.certPem), bucket: '' },
      secrets,
    });
    expect(buckets.buckets).toContain(BUCKET);
    const listing = await value<{ entries: { name: string }[] }>('locations:browse', {
      target: { config: config(trusted.port, ca.certPem), secrets },
      path: '',
    });
    expect(listing.entries.map((e) => e.name)).toEqual(['hello.txt']);
    expect(trusted.handshakes()).toBeGreaterThan(0);
  });

  it('refuses a certificate for another host name, even from the pasted CA', async () => {
    const answer = await call('locations:test', {
      config: config(wrongHost.port, ca.certPem),
      secrets,
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-config' } });
    if (answer.ok) return;
    expect(answer.error.message).toContain(`https://127.0.0.1:${wrongHost.port} is not trusted`);
    expect(answer.error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(wrongHost.handshakes()).toBe(0);
  });

  it('refuses a server whose certificate the pasted CA did not sign', async () => {
    const answer = await call('locations:test', {
      config: config(trusted.port, otherCa.certPem),
      secrets,
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-config' } });
    if (answer.ok) return;
    expect(answer.error.message).toContain('is not trusted');
    expect(answer.error.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(answer.error.message).toContain('"CA certificate (PEM)"');
  });

  it('moves files through it both ways, byte for byte', async () => {
    const from = path.join(scratch.dir, 'from');
    const back = path.join(scratch.dir, 'back');
    await mkdir(path.join(from, 'sub'), { recursive: true });
    await mkdir(back);
    const sums: Record<string, string> = {
      'a.txt': await writeText(path.join(from, 'a.txt'), 'first file\n'),
      'sub/b.bin': await randomFile(path.join(from, 'sub', 'b.bin'), 300_000),
      // Over 8 MiB: a multipart upload up, ranged GETs down.
      'sub/large.bin': await randomFile(path.join(from, 'sub', 'large.bin'), 9 * 1024 * 1024),
    };
    const local = await value<{ id: string }>('locations:create', {
      name: 'Here',
      config: { kind: 'local', path: from },
    });
    const restored = await value<{ id: string }>('locations:create', {
      name: 'Back here',
      config: { kind: 'local', path: back },
    });
    const bucket = await value<{ id: string }>('locations:create', {
      name: 'Private CA bucket',
      config: config(trusted.port, ca.certPem, 'copied'),
      secrets,
    });
    const run = async (name: string, sourceLocationId: string, destinationLocationId: string) => {
      const task = await value<{ id: string }>('tasks:create', {
        name,
        sourceLocationId,
        destinationLocationId,
        options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT' },
      });
      const started = await value<ExecutionRecord>('executions:start', { taskId: task.id });
      return services.executions.whenFinished(started.id);
    };

    const up = await run('up', local.id, bucket.id);
    expect(up.status, up.error?.message).toBe('SUCCESS');
    expect(up.counters.FilesTransferred).toBe(3);
    for (const [file, sum] of Object.entries(sums)) {
      const object = await s3.client.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: `copied/${file}` }),
      );
      const bytes = Buffer.from(
        await (
          object.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
      expect(createHash('sha256').update(bytes).digest('hex'), file).toBe(sum);
    }

    const down = await run('down', bucket.id, restored.id);
    expect(down.status, down.error?.message).toBe('SUCCESS');
    for (const [file, sum] of Object.entries(sums)) {
      expect(await sha256File(path.join(back, file)), file).toBe(sum);
    }
  }, 60_000);
});

async function writeText(file: string, text: string): Promise<string> {
  await writeFile(file, text);
  return createHash('sha256').update(text).digest('hex');
}
