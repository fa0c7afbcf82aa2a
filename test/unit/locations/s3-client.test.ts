import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createS3Connection,
  resolveS3Client,
  type S3Connection,
} from '../../../src-main/locations/s3/s3-client';
import { mapS3Error } from '../../../src-main/locations/s3/s3-errors';
import {
  locationConfigSchema,
  type LocationConfigInput,
  type LocationSecrets,
  type ObjectStorageConfig,
  type S3Config,
} from '../../../src-shared/model/location-config';
import { thrown } from '../../support/app-errors';

type S3Input = Extract<LocationConfigInput, { kind: 's3' }>;
type ObjectStorageInput = Extract<LocationConfigInput, { kind: 'object-storage' }>;

const s3Config = (input: Partial<S3Input> = {}) =>
  locationConfigSchema.parse({ kind: 's3', bucket: 'photos', ...input }) as S3Config;
const objectStorage = (input: Partial<ObjectStorageInput> = {}) =>
  locationConfigSchema.parse({
    kind: 'object-storage',
    server: 'minio.local',
    bucket: 'photos',
    ...input,
  }) as ObjectStorageConfig;

const KEYS = { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

interface SentRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
}

interface Canned {
  status: number;
  body?: string;
}

const LISTING = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>photos</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>cat.jpg</Key><LastModified>2025-01-01T00:00:00.000Z</LastModified><ETag>&quot;4a2c0f1e&quot;</ETag><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`;
const SLOW_DOWN = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>`;
const ACCESS_DENIED = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>`;

/**
 * A client with exactly createS3Connection's configuration, whose requests are recorded and get
 * the canned answers in order (the last one repeats). Nothing leaves the process.
 */
function recorded(
  config: S3Config | ObjectStorageConfig,
  secrets: LocationSecrets,
  ...answers: Canned[]
) {
  const requests: SentRequest[] = [];
  const resolved = resolveS3Client(config, secrets);
  const client = new S3Client({
    ...resolved.clientConfig,
    requestHandler: {
      handle: async (request: SentRequest) => {
        requests.push(request);
        const answer = (answers[Math.min(requests.length - 1, answers.length - 1)] ?? {
          status: 200,
          body: LISTING,
        }) as Canned;
        return {
          response: {
            statusCode: answer.status,
            headers: { 'content-type': 'application/xml', 'x-amz-request-id': '4442587FB7D0A2F9' },
            body: Readable.from(answer.body ? [Buffer.from(answer.body)] : []),
          },
        };
      },
    },
  });
  return { client, requests, resolved };
}

function handlerOf(connection: S3Connection) {
  const handler = connection.client.config.requestHandler;
  expect(handler).toBeInstanceOf(NodeHttpHandler);
  return (handler as NodeHttpHandler).httpHandlerConfigs();
}

describe('createS3Connection refuses bad configs before any request', () => {
  it.each([
    [
      'keys without a secret',
      s3Config({ credentials: 'keys', accessKeyId: 'AKIA' }),
      {},
      'a secret access key is missing',
    ],
    [
      'keys without an access key ID',
      s3Config({ credentials: 'keys' }),
      KEYS,
      'an access key ID is missing',
    ],
    [
      'keys with neither half',
      s3Config({ credentials: 'keys' }),
      {},
      'an access key ID and a secret access key are missing',
    ],
    ['a profile without a name', s3Config({ credentials: 'profile' }), {}, 'need a profile name'],
    ['object storage with only a secret', objectStorage(), KEYS, 'an access key ID is missing'],
    [
      'an endpoint that is no URL',
      s3Config({ endpoint: 'not a url' }),
      {},
      'The endpoint "not a url" is not a valid URL',
    ],
    [
      'an ftp endpoint',
      s3Config({ endpoint: 'ftp://files.local' }),
      {},
      'must start with http:// or https://',
    ],
    [
      'a region with spaces',
      s3Config({ region: 'eu west 1' }),
      {},
      '"eu west 1" is not a valid AWS region name',
    ],
    [
      'a server with a scheme',
      objectStorage({ server: 'https://minio.local' }),
      {},
      'without "https://"',
    ],
    [
      'a server with a port',
      objectStorage({ server: 'minio.local:9000' }),
      {},
      'the port is its own field',
    ],
    [
      'a server with a path',
      objectStorage({ server: 'minio.local/data' }),
      {},
      'The server "minio.local/data" is not a valid host name',
    ],
    [
      'a server with a space',
      objectStorage({ server: 'minio local' }),
      {},
      'The server "minio local" is not a valid host name',
    ],
    [
      'a CA field without a certificate',
      objectStorage({ caCertificatePem: 'hello' }),
      {},
      'The "CA certificate (PEM)" field holds no certificate',
    ],
    [
      'a CA certificate that cannot be read',
      objectStorage({
        caCertificatePem:
          '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
      }),
      {},
      'Certificate 1 in the "CA certificate (PEM)" field cannot be read',
    ],
  ])('%s -> invalid-config', (_what, config, secrets, message) => {
    const error = thrown(() => createS3Connection(config, secrets));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain(message);
  });

  it('does not repeat a password typed into the endpoint URL', () => {
    const error = thrown(() =>
      createS3Connection(s3Config({ endpoint: 'http://admin:hunter2@nas.local:9000' }), {}),
    );
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain('"http://***@nas.local:9000"');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('createS3Connection: where requests go', () => {
  it.each([
    [
      { protocol: 'HTTP', port: 9000 },
      'http://minio.local:9000',
      'http:',
      'minio.local',
      9000,
      '/photos',
    ],
    [{ protocol: 'HTTPS' }, 'https://minio.local', 'https:', 'minio.local', undefined, '/photos'],
    [
      { protocol: 'HTTPS', port: 8443, pathStyle: false },
      'https://minio.local:8443',
      'https:',
      'photos.minio.local',
      8443,
      '/',
    ],
    [
      { protocol: 'HTTP', server: '10.1.2.3', port: 8080 },
      'http://10.1.2.3:8080',
      'http:',
      '10.1.2.3',
      8080,
      '/photos',
    ],
    [
      { protocol: 'HTTP', server: '::1', port: 9000 },
      'http://[::1]:9000',
      'http:',
      '[::1]',
      9000,
      '/photos',
    ],
  ] as const)(
    'object storage %j -> %s',
    async (input, label, protocol, hostname, port, pathStart) => {
      const config = objectStorage({ ...input, accessKeyId: 'AKIAEXAMPLE' });
      const connection = createS3Connection(config, KEYS);
      expect(connection).toMatchObject({ endpointLabel: label, isAws: false, bucket: 'photos' });
      connection.client.destroy();

      const s3 = recorded(config, KEYS, { status: 200, body: LISTING });
      await s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
      const [request] = s3.requests;
      expect(request).toMatchObject({ protocol, hostname });
      expect(request?.port).toBe(port);
      expect(request?.path.startsWith(pathStart)).toBe(true);
    },
  );

  it('Amazon S3: the region (us-east-1 when empty) in the label and the host', async () => {
    const west = s3Config({ region: 'eu-west-1', credentials: 'keys', accessKeyId: 'AKIA' });
    const connection = createS3Connection(west, KEYS);
    expect(connection).toMatchObject({ endpointLabel: 'Amazon S3 (eu-west-1)', isAws: true });
    connection.client.destroy();
    const s3 = recorded(west, KEYS, { status: 200, body: LISTING });
    await s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    expect(s3.requests[0]).toMatchObject({
      protocol: 'https:',
      hostname: 'photos.s3.eu-west-1.amazonaws.com',
    });

    const plain = createS3Connection(s3Config(), {});
    expect(plain).toMatchObject({ endpointLabel: 'Amazon S3 (us-east-1)', isAws: true });
    plain.client.destroy();
  });

  it('an s3 location with an endpoint: path style, labelled by its origin', async () => {
    const config = s3Config({
      endpoint: 'http://127.0.0.1:9000/',
      pathStyle: true,
      credentials: 'keys',
      accessKeyId: 'AKIA',
    });
    const connection = createS3Connection(config, KEYS);
    expect(connection).toMatchObject({ endpointLabel: 'http://127.0.0.1:9000', isAws: false });
    connection.client.destroy();
    const s3 = recorded(config, KEYS, { status: 200, body: LISTING });
    await s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    expect(s3.requests[0]).toMatchObject({ hostname: '127.0.0.1', port: 9000 });
    expect(s3.requests[0]?.path.startsWith('/photos')).toBe(true);
  });

  it('signs with the keys; sends unsigned requests when object storage has none', async () => {
    const signed = recorded(objectStorage({ accessKeyId: 'AKIAEXAMPLE' }), KEYS);
    await signed.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    expect(signed.requests[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request/,
    );

    const anonymous = recorded(objectStorage(), {});
    const listing = await anonymous.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    expect(listing.Contents?.[0]?.Key).toBe('cat.jpg');
    const headers = Object.keys(anonymous.requests[0]?.headers ?? {}).map((h) => h.toLowerCase());
    expect(headers).not.toContain('authorization');
    expect(headers).not.toContain('x-amz-date');
  });

  it('adds no checksums of its own: a PUT goes out plain, not aws-chunked', async () => {
    const s3 = recorded(objectStorage({ accessKeyId: 'AKIAEXAMPLE' }), KEYS, { status: 200 });
    await s3.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'meow' }));
    const headers = s3.requests[0]?.headers ?? {};
    const names = Object.keys(headers).map((h) => h.toLowerCase());
    expect(names.filter((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-trailer')).toEqual(
      [],
    );
    expect(headers['content-encoding'] ?? '').not.toContain('aws-chunked');
  });
});

describe('createS3Connection per-request cost', () => {
  it('leaves S3 Express session auth to directory buckets (names ending --x-s3)', () => {
    const config = objectStorage({ accessKeyId: 'AKIAEXAMPLE' });
    expect(resolveS3Client(config, KEYS).clientConfig.disableS3ExpressSessionAuth).toBe(true);
    expect(
      resolveS3Client({ ...config, bucket: 'logs--usw2-az1--x-s3' }, KEYS).clientConfig
        .disableS3ExpressSessionAuth,
    ).toBe(false);
  });
});

describe('createS3Connection retries throttling with backoff', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a 503 SlowDown, then 200: the call succeeds on the second attempt, after a delay', async () => {
    // Full jitter: delay = random x 1 s (the SDK's throttling base). 0.05 -> 50 ms, not 0-1 s.
    vi.spyOn(Math, 'random').mockReturnValue(0.05);
    const s3 = recorded(
      objectStorage({ accessKeyId: 'AKIAEXAMPLE' }),
      KEYS,
      { status: 503, body: SLOW_DOWN },
      { status: 200, body: LISTING },
    );
    const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    expect(listing.Contents?.map((c) => c.Key)).toEqual(['cat.jpg']);
    expect(s3.requests).toHaveLength(2);
    expect(listing.$metadata.attempts).toBe(2);
    expect(listing.$metadata.totalRetryDelay).toBeGreaterThan(0);
  });

  it('up to 5 attempts: four SlowDowns still end in success (the default 3 would not)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.01);
    const slow = { status: 503, body: SLOW_DOWN };
    const s3 = recorded(
      objectStorage({ accessKeyId: 'AKIAEXAMPLE' }),
      KEYS,
      slow,
      slow,
      slow,
      slow,
      {
        status: 200,
        body: LISTING,
      },
    );
    const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
    expect(listing.$metadata.attempts).toBe(5);
    expect(s3.requests).toHaveLength(5);
  });

  it('does not retry what retrying cannot fix (403 AccessDenied)', async () => {
    const s3 = recorded(objectStorage({ accessKeyId: 'AKIAEXAMPLE' }), KEYS, {
      status: 403,
      body: ACCESS_DENIED,
    });
    await expect(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))).rejects.toThrow(
      'Access Denied',
    );
    expect(s3.requests).toHaveLength(1);
  });
});

describe('createS3Connection trusts the CA certificate field (real TLS on 127.0.0.1)', () => {
  let dir = '';
  let pem = '';
  let server: https.Server | undefined;
  let port = 0;
  const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  const noOpenssl = openssl.error || openssl.status !== 0 ? 'the openssl CLI is not installed' : '';

  beforeAll(async () => {
    if (noOpenssl) return;
    dir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-s3-tls-'));
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '2',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    pem = await readFile(path.join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(path.join(dir, 'key.pem'), 'utf8');
    server = https.createServer({ key, cert: pem }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(LISTING);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const config = (caCertificatePem: string) =>
    objectStorage({
      server: '127.0.0.1',
      port,
      protocol: 'HTTPS',
      accessKeyId: 'AKIAEXAMPLE',
      caCertificatePem,
    });

  it('without the certificate: invalid-config pointing at the CA certificate field', async (ctx) => {
    if (noOpenssl) ctx.skip(noOpenssl);
    const connection = createS3Connection(config(''), KEYS);
    try {
      const error = mapS3Error(
        await connection.client.send(new ListObjectsV2Command({ Bucket: 'photos' })).then(
          () => new Error('the listing should have failed'),
          (e: unknown) => e,
        ),
        {
          operation: 'list folder',
          bucket: 'photos',
          endpointLabel: connection.endpointLabel,
        },
      );
      expect(error.code).toBe('invalid-config');
      expect(error.message).toBe(
        `The server's certificate at https://127.0.0.1:${port} is not trusted (self-signed certificate; DEPTH_ZERO_SELF_SIGNED_CERT): add the certificate of the CA that issued it in the location's "CA certificate (PEM)" field`,
      );
    } finally {
      connection.client.destroy();
    }
  });

  it('with the certificate pasted: the listing succeeds, and the default CAs stay trusted', async (ctx) => {
    if (noOpenssl) ctx.skip(noOpenssl);
    // Pasted with Windows line ends and text around it, as copied from a browser or a mail.
    const pasted = `Our NAS:\r\n${pem.replace(/\n/g, '\r\n')}\r\n`;
    const connection = createS3Connection(config(pasted), KEYS);
    try {
      const listing = await connection.client.send(new ListObjectsV2Command({ Bucket: 'photos' }));
      expect(listing.Contents?.map((c) => c.Key)).toEqual(['cat.jpg']);
      const agent = handlerOf(connection).httpsAgent as https.Agent;
      const ca = agent.options.ca as string[];
      expect(ca).toHaveLength(1 + tls.getCACertificates('default').length);
      expect(ca).toContain(tls.rootCertificates[0]);
    } finally {
      connection.client.destroy();
    }
  });
});

describe('createS3Connection against a real S3 server (fauxqs on 127.0.0.1)', () => {
  let server: Awaited<ReturnType<typeof startFauxqs>> | undefined;
  beforeAll(async () => {
    server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates a bucket, puts, lists and reads back the exact bytes', async () => {
    const config = objectStorage({
      server: '127.0.0.1',
      port: server?.port,
      protocol: 'HTTP',
      bucket: 'dataferry-unit',
      accessKeyId: 'test',
    });
    const connection = createS3Connection(config, { secretAccessKey: 'test' });
    const { client, bucket } = connection;
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'docs/hello.txt', Body: 'hello, world' }),
      );
      const listing = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'docs/' }),
      );
      expect(listing.Contents?.map((c) => [c.Key, c.Size])).toEqual([['docs/hello.txt', 12]]);
      // Keep-alive: the finished requests left their connection open for the next one.
      const pool = handlerOf(connection).httpAgent as http.Agent;
      expect(Object.values(pool.freeSockets).flat().length).toBeGreaterThan(0);
      const object = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'docs/hello.txt' }),
      );
      expect(await object.Body?.transformToString()).toBe('hello, world');

      const missing = await client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: 'docs/absent.txt' }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const error = mapS3Error(missing, {
        operation: 'stat',
        bucket,
        key: 'docs/absent.txt',
        endpointLabel: connection.endpointLabel,
      });
      expect(error.code).toBe('not-found');
      expect(error.message).toBe(
        `Object "docs/absent.txt" does not exist in bucket "dataferry-unit" at http://127.0.0.1:${server?.port} (NotFound)`,
      );

      const handler = handlerOf(connection);
      const agent = handler.httpAgent as http.Agent;
      expect(agent.maxSockets).toBe(64);
      expect(handler.connectionTimeout).toBe(10_000);
      expect(handler.socketTimeout).toBe(120_000);
    } finally {
      client.destroy();
    }
  });

  it('passes the socket and timeout options to the handler', async () => {
    const connection = createS3Connection(
      objectStorage({ server: '127.0.0.1', port: server?.port, protocol: 'HTTP' }),
      {},
      { maxSockets: 8, connectTimeoutMs: 2_000, requestTimeoutMs: 30_000 },
    );
    try {
      await connection.client.send(new ListObjectsV2Command({ Bucket: 'dataferry-unit' }));
      const handler = handlerOf(connection);
      expect((handler.httpAgent as http.Agent).maxSockets).toBe(8);
      expect((handler.httpsAgent as https.Agent).maxSockets).toBe(8);
      expect(handler.connectionTimeout).toBe(2_000);
      expect(handler.socketTimeout).toBe(30_000);
    } finally {
      connection.client.destroy();
    }
  });
});
