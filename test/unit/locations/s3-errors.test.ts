import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { fromIni, fromSSO } from '@aws-sdk/credential-providers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveS3Client } from '../../../src-main/locations/s3/s3-client';
import { objectStorage, rejection, secrets } from '../../support/s3-error-fixtures';
import { mapS3Error, type S3ErrorContext } from '../../../src-main/locations/s3/s3-errors';
import { AppError } from '../../../src-shared/errors';
import {
  locationConfigSchema,
  type ObjectStorageConfig,
  type S3Config,
} from '../../../src-shared/model/location-config';

/*
 * Real SDK errors, mapped: recorded S3 answers (bodies as AWS sends them) played by a fake
 * request handler (the real sockets on 127.0.0.1 are in s3-errors-network.test.ts).
 */

const aws = locationConfigSchema.parse({
  kind: 's3',
  bucket: 'photos',
  credentials: 'keys',
  accessKeyId: 'AKIAEXAMPLE',
}) as S3Config;

interface Canned {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** An S3 error document, laid out as S3 sends it. */
const s3Error = (code: string, message: string, extra = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>4442587FB7D0A2F9</RequestId><HostId>fX1LP8tb3qq7R2e5hFyCbIu5mA2IJoAnXmVn7ZrV1ePfdTRv7Vx6eZ4Q2b1b9DkM=</HostId></Error>`;

const XML_HEADERS = {
  'content-type': 'application/xml',
  'x-amz-request-id': '4442587FB7D0A2F9',
  date: new Date().toUTCString(),
  server: 'AmazonS3',
};

/** An S3Client with our configuration whose requests get the canned answers, in order. */
function answering(config: S3Config | ObjectStorageConfig, ...answers: Canned[]) {
  let calls = 0;
  const resolved = resolveS3Client(config, secrets);
  const client = new S3Client({
    ...resolved.clientConfig,
    requestHandler: {
      handle: async () => {
        const answer = answers[Math.min(calls++, answers.length - 1)] as Canned;
        return {
          response: {
            statusCode: answer.status,
            headers: { ...XML_HEADERS, ...answer.headers },
            body: Readable.from(answer.body ? [Buffer.from(answer.body)] : []),
          },
        };
      },
    },
  });
  const ctx = (operation: string, key?: string): S3ErrorContext => ({
    operation,
    bucket: resolved.bucket,
    key,
    endpointLabel: resolved.endpointLabel,
  });
  return { client, ctx, calls: () => calls };
}

describe('mapS3Error on recorded S3 answers', () => {
  // Full-jitter backoff multiplies by Math.random(): 0 keeps the retried 5xx answers instant.
  beforeEach(() => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('403 InvalidAccessKeyId -> auth-failed, pointing at the access key ID', async () => {
    const s3 = answering(objectStorage(9000), {
      status: 403,
      body: s3Error(
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        '<AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId>',
      ),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))),
      s3.ctx('list folder'),
    );
    expect(error.code).toBe('auth-failed');
    expect(error.message).toBe(
      "http://127.0.0.1:9000 does not know the access key ID (InvalidAccessKeyId): check the location's access key ID",
    );
    expect(error.details).toMatchObject({
      s3Code: 'InvalidAccessKeyId',
      httpStatus: 403,
      requestId: '4442587FB7D0A2F9',
      bucket: 'photos',
    });
    expect(s3.calls()).toBe(1);
  });

  it('403 SignatureDoesNotMatch -> auth-failed, pointing at the secret access key', async () => {
    const s3 = answering(objectStorage(9000), {
      status: 403,
      body: s3Error(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        '<AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256</StringToSign><SignatureProvided>abc</SignatureProvided>',
      ),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))),
      s3.ctx('list folder'),
    );
    expect(error.code).toBe('auth-failed');
    expect(error.message).toContain('secret access key');
    expect(error.message).toContain('(SignatureDoesNotMatch)');
    expect(error.details).toMatchObject({ s3Code: 'SignatureDoesNotMatch', httpStatus: 403 });
  });

  it('400 ExpiredToken -> auth-failed, naming aws sso login', async () => {
    const s3 = answering(aws, {
      status: 400,
      body: s3Error(
        'ExpiredToken',
        'The provided token has expired.',
        '<Token-0>FwoGZXIvYXdzEXAMPLE</Token-0>',
      ),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))),
      s3.ctx('list folder'),
    );
    expect(error.code).toBe('auth-failed');
    expect(error.message).toContain('Amazon S3 (us-east-1)');
    expect(error.message).toContain('aws sso login');
    expect(error.details).toMatchObject({ s3Code: 'ExpiredToken', httpStatus: 400 });
  });

  it('404 NoSuchBucket -> not-found naming the bucket and the endpoint', async () => {
    const s3 = answering(objectStorage(9000), {
      status: 404,
      body: s3Error(
        'NoSuchBucket',
        'The specified bucket does not exist',
        '<BucketName>photos</BucketName>',
      ),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))),
      s3.ctx('list folder'),
    );
    expect(error.code).toBe('not-found');
    expect(error.message).toBe(
      'Bucket "photos" does not exist at http://127.0.0.1:9000 (NoSuchBucket)',
    );
    expect(error.details).toMatchObject({ s3Code: 'NoSuchBucket', httpStatus: 404 });
  });

  it('404 NoSuchKey on GET -> not-found naming the key and the bucket', async () => {
    const s3 = answering(aws, {
      status: 404,
      body: s3Error('NoSuchKey', 'The specified key does not exist.', '<Key>a/b.txt</Key>'),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'a/b.txt' }))),
      s3.ctx('read', 'a/b.txt'),
    );
    expect(error.code).toBe('not-found');
    expect(error.message).toBe(
      'Object "a/b.txt" does not exist in bucket "photos" at Amazon S3 (us-east-1) (NoSuchKey)',
    );
  });

  it('404 on HEAD (no body) -> not-found naming the key', async () => {
    const s3 = answering(aws, { status: 404, headers: { 'content-type': '' } });
    const thrown = await rejection(
      s3.client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'a/b.txt' })),
    );
    expect((thrown as Error).name).toBe('NotFound');
    const error = mapS3Error(thrown, s3.ctx('stat', 'a/b.txt'));
    expect(error.code).toBe('not-found');
    expect(error.message).toContain('Object "a/b.txt" does not exist in bucket "photos"');
    expect(error.details).toMatchObject({ s3Code: 'NotFound', httpStatus: 404 });
  });

  it('403 on HEAD (no body, the SDK names it "Unknown") -> permission-denied', async () => {
    const s3 = answering(aws, { status: 403, headers: { 'content-type': '' } });
    const thrown = await rejection(
      s3.client.send(new HeadObjectCommand({ Bucket: 'photos', Key: 'a/b.txt' })),
    );
    expect((thrown as Error).name).toBe('Unknown');
    const error = mapS3Error(thrown, s3.ctx('stat', 'a/b.txt'));
    expect(error.code).toBe('permission-denied');
    expect(error.message).toBe(
      'Access denied to object "a/b.txt" in bucket "photos" at Amazon S3 (us-east-1) while trying to stat (HTTP 403)',
    );
    expect(error.details).toMatchObject({ httpStatus: 403 });
    expect(error.details).not.toHaveProperty('s3Code');
  });

  it('403 AccessDenied -> permission-denied naming the operation and the object', async () => {
    const s3 = answering(aws, { status: 403, body: s3Error('AccessDenied', 'Access Denied') });
    const error = mapS3Error(
      await rejection(s3.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'cat.jpg' }))),
      s3.ctx('read', 'cat.jpg'),
    );
    expect(error.code).toBe('permission-denied');
    expect(error.message).toBe(
      'Access denied to object "cat.jpg" in bucket "photos" at Amazon S3 (us-east-1) while trying to read (AccessDenied)',
    );
  });

  it('503 SlowDown that persists through the retries -> unavailable', async () => {
    const s3 = answering(objectStorage(9000), {
      status: 503,
      body: s3Error('SlowDown', 'Please reduce your request rate.'),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))),
      s3.ctx('list folder'),
    );
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('http://127.0.0.1:9000');
    expect(error.message).toContain('(SlowDown)');
    expect(error.details).toMatchObject({ s3Code: 'SlowDown', httpStatus: 503 });
    expect(s3.calls()).toBe(5);
  });

  it('500 InternalError -> unavailable', async () => {
    const s3 = answering(aws, {
      status: 500,
      body: s3Error('InternalError', 'We encountered an internal error. Please try again.'),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new ListObjectsV2Command({ Bucket: 'photos' }))),
      s3.ctx('list folder'),
    );
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('internal error');
  });

  it('403 InvalidObjectState -> not-supported, saying the object must be restored', async () => {
    const s3 = answering(aws, {
      status: 403,
      body: s3Error(
        'InvalidObjectState',
        "The operation is not valid for the object's storage class",
        '<StorageClass>DEEP_ARCHIVE</StorageClass>',
      ),
    });
    const error = mapS3Error(
      await rejection(s3.client.send(new GetObjectCommand({ Bucket: 'photos', Key: 'old.tar' }))),
      s3.ctx('read', 'old.tar'),
    );
    expect(error.code).toBe('not-supported');
    expect(error.message).toBe(
      'Object "old.tar" in bucket "photos" is archived in DEEP_ARCHIVE at Amazon S3 (us-east-1) and must be restored before it can be read (InvalidObjectState)',
    );
  });

  it.each([
    [
      400,
      'BadDigest',
      'The Content-MD5 you specified did not match what we received.',
      'checksum-mismatch',
    ],
    [
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      'checksum-mismatch',
    ],
    [
      412,
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      'changed-during-transfer',
    ],
    [
      507,
      'XMinioStorageFull',
      'Storage backend has reached its minimum free drive threshold.',
      'no-space',
    ],
    [400, 'KeyTooLongError', 'Your key is too long', 'invalid-name'],
    [
      400,
      'EntityTooLarge',
      'Your proposed upload exceeds the maximum allowed size',
      'not-supported',
    ],
    [400, 'InvalidBucketName', 'The specified bucket is not valid.', 'invalid-config'],
    [403, 'XMinioAdminBucketQuotaExceeded', 'Bucket quota exceeded', 'quota-exceeded'],
  ])('%i %s on PUT -> %s', async (status, code, message, expected) => {
    const s3 = answering(aws, { status, body: s3Error(code, message) });
    const error = mapS3Error(
      await rejection(
        s3.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'meow' })),
      ),
      s3.ctx('write', 'cat.jpg'),
    );
    expect(error.code).toBe(expected);
    expect(error.message).toContain(`(${code})`);
    expect(error.details).toMatchObject({ s3Code: code, httpStatus: status });
  });

  it('an unknown code -> unknown, with the code, the status and the server message', async () => {
    const s3 = answering(aws, {
      status: 400,
      body: s3Error('InvalidStorageClass', 'The storage class you specified is not valid'),
    });
    const error = mapS3Error(
      await rejection(
        s3.client.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'meow' })),
      ),
      s3.ctx('write', 'cat.jpg'),
    );
    expect(error.code).toBe('unknown');
    expect(error.message).toBe(
      'Object "cat.jpg" in bucket "photos" at Amazon S3 (us-east-1): write failed (InvalidStorageClass, HTTP 400): The storage class you specified is not valid',
    );
  });

  it('a body that does not match its checksum header -> checksum-mismatch', async () => {
    const s3 = answering(aws, {
      status: 200,
      headers: {
        'content-type': 'text/plain',
        'content-length': '5',
        // CRC32 of "other", not of "hello".
        'x-amz-checksum-crc32': 'AAAAAA==',
      },
      body: 'hello',
    });
    const answer = await s3.client.send(
      new GetObjectCommand({ Bucket: 'photos', Key: 'hello.txt', ChecksumMode: 'ENABLED' }),
    );
    const thrown = await rejection(
      (answer.Body as { transformToString(): Promise<string> }).transformToString(),
    );
    expect((thrown as Error).message).toMatch(/^Checksum mismatch/);
    const error = mapS3Error(thrown, s3.ctx('read', 'hello.txt'));
    expect(error.code).toBe('checksum-mismatch');
    expect(error.message).toContain('object "hello.txt" in bucket "photos"');
  });
});

describe('mapS3Error on credential lookup failures', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-s3-creds-'));
    await writeFile(path.join(dir, 'credentials'), '[other]\naws_access_key_id = AKIA\n');
    // A legacy SSO profile: its token is read from ~/.aws/sso/cache, where there is none for
    // this start URL, so the provider fails without any request. (Asked through fromSSO:
    // fromIni does not pass configFilepath on to the SSO provider.)
    await writeFile(
      path.join(dir, 'config'),
      '[profile work]\nsso_start_url = https://dataferry-test.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Reader\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const files = () => ({
    filepath: path.join(dir, 'credentials'),
    configFilepath: path.join(dir, 'config'),
  });
  const clientWith = (credentials: ReturnType<typeof fromIni>) =>
    new S3Client({
      region: 'us-east-1',
      credentials,
      requestHandler: {
        handle: async () => {
          throw new Error('no request may be sent without credentials');
        },
      },
    });
  const ctx: S3ErrorContext = {
    operation: 'list folder',
    bucket: 'photos',
    endpointLabel: 'Amazon S3 (us-east-1)',
  };

  it('a profile that does not exist -> auth-failed naming the remedies', async () => {
    const thrown = await rejection(
      clientWith(fromIni({ profile: 'missing', ...files() })).send(
        new ListObjectsV2Command({ Bucket: 'photos' }),
      ),
    );
    expect((thrown as Error).name).toBe('CredentialsProviderError');
    const error = mapS3Error(thrown, ctx);
    expect(error.code).toBe('auth-failed');
    expect(error.message).toContain('No AWS credentials were found for Amazon S3 (us-east-1)');
    expect(error.message).toContain('AWS_ACCESS_KEY_ID');
    expect(error.message).toContain('aws sso login');
  });

  it('an SSO profile without a live session -> auth-failed saying to run aws sso login', async () => {
    const thrown = await rejection(
      clientWith(fromSSO({ profile: 'work', ...files() })).send(
        new ListObjectsV2Command({ Bucket: 'photos' }),
      ),
    );
    expect((thrown as Error).name).toBe('CredentialsProviderError');
    const error = mapS3Error(thrown, ctx);
    expect(error.code).toBe('auth-failed');
    expect(error.message).toContain('SSO session');
    expect(error.message).toContain('Run "aws sso login"');
  });
});

describe('mapS3Error on errors as the handler and Node shape them', () => {
  const ctx: S3ErrorContext = {
    operation: 'read',
    bucket: 'photos',
    key: 'cat.jpg',
    endpointLabel: 'https://nas.example:9000',
  };

  it('passes an AppError through unchanged', () => {
    const original = new AppError('not-dir', 'Not a folder: x');
    expect(mapS3Error(original, ctx)).toBe(original);
  });

  it('DNS failure -> unavailable saying the host name could not be resolved', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND nas.example'), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: 'nas.example',
      $metadata: { attempts: 5, totalRetryDelay: 300 },
    });
    const error = mapS3Error(dns, ctx);
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      'Cannot connect to https://nas.example:9000: the host name "nas.example" could not be resolved (ENOTFOUND)',
    );
  });

  it("the handler's connection timeout -> timeout", () => {
    const timeout = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 10000 ms.',
      ),
      { name: 'TimeoutError', $metadata: { attempts: 5 } },
    );
    const error = mapS3Error(timeout, ctx);
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(
      'Cannot connect to https://nas.example:9000: no connection within the time limit (TimeoutError)',
    );
  });

  it('a network error wrapped as a cause is still found', () => {
    const wrapped = new Error('upload failed', {
      cause: Object.assign(new Error('connect EHOSTUNREACH 10.0.0.9:9000'), {
        code: 'EHOSTUNREACH',
      }),
    });
    const error = mapS3Error(wrapped, ctx);
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('unreachable');
  });

  it('an expired certificate -> invalid-config pointing at the CA certificate field', () => {
    const expired = Object.assign(new Error('certificate has expired'), {
      code: 'CERT_HAS_EXPIRED',
    });
    const error = mapS3Error(expired, ctx);
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain('is not trusted (certificate has expired; CERT_HAS_EXPIRED)');
    expect(error.message).toContain('"CA certificate (PEM)"');
  });

  it('anything else -> unknown with its message; non-errors too; never throws', () => {
    expect(mapS3Error(new Error('odd'), ctx).message).toBe(
      'Object "cat.jpg" in bucket "photos" at https://nas.example:9000: read failed: odd',
    );
    const teapot = Object.assign(new Error('UnknownError'), {
      name: 'Unknown',
      $fault: 'client',
      $metadata: { httpStatusCode: 418 },
    });
    expect(mapS3Error(teapot, ctx)).toMatchObject({
      code: 'unknown',
      message:
        'Object "cat.jpg" in bucket "photos" at https://nas.example:9000: read failed (HTTP 418)',
      details: { httpStatus: 418 },
    });
    expect(mapS3Error('text', ctx).code).toBe('unknown');
    expect(mapS3Error(undefined, ctx).code).toBe('unknown');
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(mapS3Error(hostile, ctx).code).toBe('unknown');
  });
});
