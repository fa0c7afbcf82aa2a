import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type http from 'node:http';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExecutionRunner } from '../../../src-main/engine/execution-runner';
import { createInlineRunner } from '../../../src-main/engine/transfer-runner';
import { createLocation } from '../../../src-main/locations/registry';
import { setAnswerLimits } from '../../../src-main/locations/s3/s3-answer';
import { listBuckets } from '../../../src-main/locations/s3/s3-buckets';
import { createS3Connection, type S3Connection } from '../../../src-main/locations/s3/s3-client';
import { S3Location } from '../../../src-main/locations/s3/s3-location';
import { AppError } from '../../../src-shared/errors';
import { taskOptionsSchema } from '../../../src-shared/model/task';
import { local, recordingSink, tempDir } from '../../support/engine-harness';
import { objectStorage, secrets } from '../../support/s3-error-fixtures';
import {
  errorDocument,
  listPage,
  scriptedS3,
  sendXml,
  type S3Request,
  type S3Script,
  type ScriptedS3,
} from '../../support/scripted-s3';

/*
 * The S3 location against a scripted endpoint on 127.0.0.1 (test/support/scripted-s3.ts) that
 * answers what a broken server, a proxy or a hostile one would: malformed XML, HTML error
 * pages, bodies cut short or without end, listings that go round in circles or stop without
 * saying where to go on, 200 answers carrying an <Error>, objects shorter than announced.
 * Each operation must reject with an AppError whose code and message name the endpoint and
 * the bucket or key, within a bounded time and number of requests; no listing may end early
 * as if it were complete, and no short object may read as whole.
 */

const MiB = 1024 * 1024;
let servers: ScriptedS3[] = [];
let connections: S3Connection[] = [];
beforeEach(() => {
  // Full-jitter backoff multiplies by Math.random(): 0 keeps retries of 5xx answers instant.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of connections) c.client.destroy();
  for (const s of servers) await s.close();
  [servers, connections] = [[], []];
});

async function endpoint(script: S3Script): Promise<{
  server: ScriptedS3;
  connection: S3Connection;
  location: S3Location;
  at: string;
}> {
  const server = await scriptedS3(script);
  servers.push(server);
  const connection = createS3Connection(objectStorage(server.port), secrets, {
    requestTimeoutMs: 5000,
  });
  connections.push(connection);
  const location = new S3Location({
    kind: 'object-storage',
    connection,
    prefix: '',
    description: `S3 photos at 127.0.0.1:${server.port}`,
    identity: `scripted-${server.port}`,
  });
  return { server, connection, location, at: `http://127.0.0.1:${server.port}` };
}

/** The AppError `p` rejects with, within `ms` (a hang fails the test instead of stalling it). */
async function appError(p: Promise<unknown>, ms = 15_000): Promise<AppError> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Error(`still pending after ${ms} ms`);
  const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late), ms)));
  try {
    await Promise.race([p, guard]);
  } catch (error) {
    if (error === late) throw error;
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a failure, got a result');
}

const signal = (): AbortSignal => AbortSignal.timeout(30_000);
const isList = (r: S3Request): boolean => r.method === 'GET' && r.query.get('list-type') === '2';
const lists = (server: ScriptedS3): S3Request[] => server.requests.filter(isList);

/** Reads a stream to its end: its bytes, or the error it failed with. */
async function drain(stream: Readable): Promise<{ bytes: number; sha: string; error: unknown }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { bytes, sha: hash.digest('hex'), error: null };
  } catch (error) {
    return { bytes, sha: '', error };
  }
}

describe('S3 listings: malformed and hostile answers', () => {
  it.each([
    [
      'text that is not XML',
      'not xml at all',
      /not readable S3 XML \(HTTP 200, XML parse error: unexpected content\)/,
    ],
    [
      'XML cut off mid-element',
      '<ListBucketResult><Contents><Key>a</Key>',
      /not readable S3 XML \(HTTP 200, XML parse error: missing closing tag/,
    ],
  ])('%s: unknown, naming the bucket and endpoint, not retried', async (_what, body, message) => {
    const { location, server, at } = await endpoint((_r, res) => sendXml(res, 200, body));
    const error = await appError(location.list('', signal()));
    expect(error.code).toBe('unknown');
    expect(error.message).toMatch(new RegExp(`^Bucket "photos" at ${at}: list folder failed: `));
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/Deserialization error|\$response/);
    expect(server.requests).toHaveLength(1);
  });

  it('an HTML page answered 200 (a proxy, a portal) is no listing: the folder is not taken for empty', async () => {
    const html = '<html><body><h1>Proxy error</h1></body></html>';
    const { location, at } = await endpoint((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(html);
    });
    const listed = await appError(location.list('', signal()));
    expect(listed.code).toBe('unknown');
    expect(listed.message).toBe(
      `Bucket "photos" at ${at}: list folder failed: the answer to the listing of "" is not a ListBucketResult ("${html}"): is this an S3 endpoint?`,
    );
    // connect() asks "is anything there?": an HTML page must not answer "no".
    const opened = await appError(location.connect(signal()));
    expect(opened.message).toMatch(/is not a ListBucketResult/);
  });

  it('the same NextContinuationToken again: the listing stops at the second page with a clear message', async () => {
    const { location, server, at } = await endpoint((r, res) =>
      sendXml(
        res,
        200,
        listPage({ keys: [`k-${lists(server).length}`], truncated: true, nextToken: 'LOOP' }),
      ),
    );
    const error = await appError(location.list('', signal()));
    expect(error.code).toBe('unknown');
    expect(error.message).toBe(
      `Bucket "photos" at ${at}: list folder failed: the listing of "" gave the continuation token "LOOP" a second time: it would go round in circles for ever`,
    );
    expect(lists(server)).toHaveLength(2);
    expect(lists(server)[1]?.query.get('continuation-token')).toBe('LOOP');
  });

  it('fresh tokens for ever that bring nothing new: the listing stops after 100 such pages', async () => {
    const { location, server } = await endpoint((_r, res) =>
      sendXml(
        res,
        200,
        listPage({ keys: ['a.txt'], truncated: true, nextToken: `T${lists(server).length}` }),
      ),
    );
    const error = await appError(location.list('', signal()), 60_000);
    expect(error.message).toMatch(
      /brought nothing new in 100 pages in a row: it would go on for ever/,
    );
    expect(lists(server)).toHaveLength(101);
  });

  it('IsTruncated without a NextContinuationToken: an error, not the first page taken for the whole folder', async () => {
    const { location, server } = await endpoint((_r, res) =>
      sendXml(res, 200, listPage({ keys: ['a.txt', 'b.txt'], truncated: true })),
    );
    const error = await appError(location.list('', signal()));
    expect(error.code).toBe('unknown');
    expect(error.message).toMatch(
      /says more follows \(IsTruncated\) but gives no NextContinuationToken/,
    );
    expect(lists(server)).toHaveLength(1);
  });

  it('a body cut short (Content-Length larger than sent, then the socket closed): unavailable, retried 5 times at most', async () => {
    const { location, server, at } = await endpoint((_r, res) => {
      const page = listPage({ keys: ['a.txt'] });
      res.writeHead(200, {
        'content-type': 'application/xml',
        'content-length': page.length + 500,
      });
      res.write(page.slice(0, 100));
      setImmediate(() => res.socket?.destroy());
    });
    const error = await appError(location.list('', signal()));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(`The connection to ${at} was closed unexpectedly (ECONNRESET)`);
    expect(error.details).toMatchObject({ bucket: 'photos', endpoint: at });
    expect(server.requests).toHaveLength(5);
  });

  it('a listing body that never ends (200 MiB offered) is refused past 32 MiB, not buffered whole, not retried', async () => {
    let written = 0;
    const { location, server } = await endpoint((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' }); // chunked: no length to judge by
      res.write('<?xml version="1.0"?><ListBucketResult><Name>photos</Name>');
      const chunk = Buffer.alloc(MiB, ' ');
      const pump = (): void => {
        while (written < 200 * MiB && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      pump();
    });
    const error = await appError(location.list('', signal()), 30_000);
    expect(error.code).toBe('unknown');
    expect(error.message).toMatch(
      /list folder failed: the answer is larger than 32 MiB, more than any listing: refused/,
    );
    expect(written).toBeLessThan(100 * MiB); // the client stopped reading
    expect(server.requests).toHaveLength(1);
  });

  it('a listing body that trickles in for ever fails at the answer deadline (timeout), not never', async () => {
    const timers: NodeJS.Timeout[] = [];
    const { location, connection, server } = await endpoint((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<?xml version="1.0"?><ListBucketResult>');
      // A byte every 50 ms: the socket is never idle long enough for its inactivity limit.
      timers.push(setInterval(() => !res.destroyed && res.write(' '), 50));
    });
    setAnswerLimits(connection.client, { deadlineMs: 600 });
    try {
      const error = await appError(location.list('', signal()));
      expect(error.code).toBe('timeout');
      expect(error.message).toMatch(
        /list folder failed: the answer did not arrive whole within 0.6 s/,
      );
      expect(server.requests).toHaveLength(1);
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it('an error document with a code nobody knows: unknown with the code and message (4xx), retried and then unavailable (5xx)', async () => {
    let status = 400;
    const { location, server, at } = await endpoint((_r, res) =>
      sendXml(res, status, errorDocument('QuantumFluxError', 'The flux is out of phase')),
    );
    const client = await appError(location.list('', signal()));
    expect(client.code).toBe('unknown');
    expect(client.message).toBe(
      `Bucket "photos" at ${at}: list folder failed (QuantumFluxError, HTTP 400): The flux is out of phase`,
    );
    expect(server.requests).toHaveLength(1);
    status = 500;
    const busy = await appError(location.list('', signal()));
    expect(busy.code).toBe('unavailable');
    expect(busy.details).toMatchObject({ s3Code: 'QuantumFluxError', httpStatus: 500 });
    expect(server.requests).toHaveLength(1 + 5);
  });

  it('ListBuckets with malformed XML: unknown naming the endpoint', async () => {
    const { connection, at } = await endpoint((_r, res) =>
      sendXml(res, 200, '<ListAllMyBucketsResult><Buckets><Bucket><Name>a'),
    );
    connections.pop(); // listBuckets destroys the client itself
    const error = await appError(listBuckets(connection, signal()));
    expect(error.code).toBe('unknown');
    expect(error.message).toMatch(
      new RegExp(
        `^The bucket list at ${at}: list buckets failed: the answer is not readable S3 XML`,
      ),
    );
  });
});

describe('S3 bucket lists that go wrong', () => {
  it('the same ContinuationToken again: the bucket list stops with a clear message', async () => {
    const { server, connection, at } = await endpoint((_r, res) =>
      sendXml(
        res,
        200,
        '<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>a</Name></Bucket></Buckets><ContinuationToken>again</ContinuationToken></ListAllMyBucketsResult>',
      ),
    );
    connections.pop(); // listBuckets destroys the client itself
    const error = await appError(listBuckets(connection, signal()));
    expect(error.code).toBe('unknown');
    expect(error.message).toBe(
      `The bucket list at ${at} gave the continuation token "again" a second time: it would go round in circles for ever`,
    );
    expect(server.requests.length).toBe(2);
  });

  it('an HTML page answered 200 is no bucket list (not an account without buckets)', async () => {
    const { connection, at } = await endpoint((_r, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Sign in to the portal</body></html>');
    });
    connections.pop();
    const error = await appError(listBuckets(connection, signal()));
    expect(error.message).toContain(
      `The bucket list at ${at}: the answer is not a ListAllMyBucketsResult`,
    );
  });
});

describe('S3 writes: a 200 answer carrying an <Error>', () => {
  /** A multipart upload whose CompleteMultipartUpload is answered 200 with `completeBody`. */
  function multipartServer(completeBody: string): S3Script {
    return (r, res) => {
      if (r.method === 'HEAD') return void res.writeHead(404).end();
      if (r.method === 'GET') return sendXml(res, 200, listPage({ keys: ['other.txt'] }));
      if (r.method === 'POST' && r.query.has('uploads')) {
        return sendXml(
          res,
          200,
          '<InitiateMultipartUploadResult><Bucket>photos</Bucket><Key>big.bin</Key><UploadId>UPLOAD-1</UploadId></InitiateMultipartUploadResult>',
        );
      }
      if (r.method === 'PUT') return void res.writeHead(200, { etag: '"part"' }).end();
      if (r.method === 'POST') return sendXml(res, 200, completeBody);
      if (r.method === 'DELETE') return void res.writeHead(204).end();
      res.writeHead(405).end();
    };
  }

  it('CompleteMultipartUpload answered 200 <Error>: the write fails (retries bounded) and the upload is aborted', async () => {
    const { location, server, at } = await endpoint(
      multipartServer(errorDocument('WeirdFailure', 'We could not assemble the parts')),
    );
    const size = 9 * MiB;
    const error = await appError(
      location.write('big.bin', Readable.from([Buffer.alloc(size, 7)]), { size }, signal()),
    );
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe(
      `${at} is overloaded or unavailable and still refused access to object "big.bin" in bucket "photos" after retries (WeirdFailure)`,
    );
    const completes = server.requests.filter((r) => r.method === 'POST' && r.query.has('uploadId'));
    expect(completes.length).toBeGreaterThanOrEqual(1);
    expect(completes.length).toBeLessThanOrEqual(5);
    // No object appeared (nothing was completed), and nothing is left behind: the upload was aborted.
    expect(server.requests.at(-1)).toMatchObject({ method: 'DELETE' });
    expect(server.requests.at(-1)?.query.get('uploadId')).toBe('UPLOAD-1');
  });

  // The SDK finds the <Error> only when the body ENDS with "</Error>" (throw200Exceptions-
  // Middleware): with a trailing newline the failed completion parses as a result without an
  // ETag, which s3-upload.ts refuses.
  it('CompleteMultipartUpload answered 200 "<Error>...</Error>\\n" fails the write too', async () => {
    const { location, server } = await endpoint(
      multipartServer(`${errorDocument('WeirdFailure', 'We could not assemble the parts')}\n`),
    );
    const size = 9 * MiB;
    const error = await appError(
      location.write('big.bin', Readable.from([Buffer.alloc(size, 7)]), { size }, signal()),
    );
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('did not confirm assembling object "big.bin"');
    expect(server.requests.at(-1)).toMatchObject({ method: 'DELETE' });
  });
});

describe('S3 reads: objects shorter than announced', () => {
  const OBJECT = Buffer.from(Array.from({ length: 4000 }, (_, i) => i % 251));

  it('a GET whose body stops short of its Content-Length: the read fails (unavailable), never ends as if whole', async () => {
    const { location, at } = await endpoint((_r, res) => {
      res.writeHead(200, {
        'content-length': OBJECT.length,
        'last-modified': new Date(0).toUTCString(),
      });
      res.write(OBJECT.subarray(0, 1000));
      setImmediate(() => res.socket?.destroy());
    });
    // A small object is taken whole before the read resolves (s3-get.ts): the read itself
    // fails; a larger one's stream would.
    const { bytes, error } = await location
      .read('photo.jpg', {}, signal())
      .then(drain, (failure: unknown) => ({ bytes: 0, error: failure }));
    expect(bytes).toBeLessThan(OBJECT.length);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'unavailable',
      message: `The connection to ${at} was closed unexpectedly (ECONNRESET)`,
      details: { key: 'photo.jpg', bucket: 'photos' },
    });
  });

  it('a short body without Content-Length (chunked) for a planned read fails before any byte (changed-during-transfer)', async () => {
    const modified = new Date('2024-05-01T10:00:00Z');
    const { location } = await endpoint((_r, res) => {
      res.writeHead(200, { 'last-modified': modified.toUTCString() });
      res.end(OBJECT.subarray(0, 1000));
    });
    const error = await appError(
      location.read(
        'photo.jpg',
        { expect: { size: OBJECT.length, mtimeMs: modified.getTime() } },
        signal(),
      ),
    );
    expect(error.code).toBe('changed-during-transfer');
    expect(error.message).toMatch(/photo\.jpg \(size 4000 -> NaN\)/);
  });

  it('an execution from a server that cuts the object short: the file fails, nothing reaches the destination', async () => {
    const modified = new Date('2024-05-01T10:00:00Z');
    const headers = { 'last-modified': modified.toUTCString(), etag: '"v1"' };
    const { server } = await endpoint((r, res) => {
      if (isList(r)) return sendXml(res, 200, listPage({ keys: ['photo.jpg'] }));
      if (r.method === 'HEAD' && r.path === '/photos/photo.jpg') {
        return void res.writeHead(200, { ...headers, 'content-length': OBJECT.length }).end();
      }
      if (r.method === 'GET' && r.path === '/photos/photo.jpg') {
        res.writeHead(200, { ...headers, 'content-length': OBJECT.length });
        res.write(OBJECT.subarray(0, 1000));
        return void setImmediate(() => res.socket?.destroy());
      }
      res.writeHead(404).end();
    });
    const destination = await tempDir('s3-short');
    try {
      const sink = recordingSink();
      const runner = new ExecutionRunner(
        {
          executionId: 'exec-s3-short',
          taskId: 'task-s3-short',
          source: { config: objectStorage(server.port, { accessKeyId: '' }), secrets: {} },
          destination: { config: local(destination.dir), secrets: {} },
          options: taskOptionsSchema.parse({}),
          includes: '',
          excludes: '',
          dryRun: false,
        },
        sink,
        {
          createLocation,
          prepareInline: true,
          // A short retry window: the cut is retried (unavailable), then given up on.
          limits: { retryForMs: 1500 },
          createRunner: (spec, src, dst) => createInlineRunner(src, dst, spec),
        },
      );
      const execution = await runner.run();
      expect(execution.status).toBe('ERROR');
      const result = sink.received.find((r) => r.path === 'photo.jpg');
      expect(result).toMatchObject({ action: 'failed', errorCode: 'unavailable' });
      expect(result?.detail).toMatch(/closed unexpectedly/);
      // No file, whole or short, under the final name; no temporary left either.
      expect(await readdir(destination.dir)).toEqual([]);
      const gets = server.requests.filter(
        (r) => r.method === 'GET' && r.path === '/photos/photo.jpg',
      );
      expect(gets.length).toBeGreaterThanOrEqual(2); // retried...
      expect(gets.length).toBeLessThanOrEqual(20); // ...within bounds
    } finally {
      await destination.remove();
    }
  });

  /** A 40 MiB object served by ranges (or whole, when `ignoreRange`), `cut` bytes off one range. */
  function rangedServer(options: { ignoreRange?: boolean; shortRangeFrom?: number }): {
    object: Buffer;
    script: S3Script;
    /** Bytes written to each answer before it ended or the client went away. */
    written: number[];
  } {
    const written: number[] = [];
    const object = Buffer.alloc(40 * MiB);
    for (let i = 0; i < object.length; i += 4096) object.writeUInt32BE(i, i);
    const headers = { etag: '"v1"', 'last-modified': new Date(0).toUTCString() };
    const script: S3Script = (r, res: http.ServerResponse) => {
      const match = /^bytes=(\d+)-(\d+)$/.exec(r.headers.range ?? '');
      if (options.ignoreRange || !match) {
        res.writeHead(200, { ...headers, 'content-length': object.length });
        const index = written.push(0) - 1;
        const pump = (): void => {
          while ((written[index] as number) < object.length && !res.destroyed) {
            const at = written[index] as number;
            written[index] = at + 256 * 1024;
            if (!res.write(object.subarray(at, at + 256 * 1024)))
              return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      const first = Number(match[1]);
      const last = Math.min(Number(match[2]), object.length - 1);
      let body = object.subarray(first, last + 1);
      if (first === options.shortRangeFrom) body = body.subarray(0, 100);
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${first}-${last}/${object.length}`,
        'content-length': body.length,
      });
      res.end(body);
    };
    return { object, script, written };
  }

  it('ranged reads of a large object: a range answered short fails the stream (unavailable, naming the object)', async () => {
    const { script } = rangedServer({ shortRangeFrom: 16 * MiB });
    const { location } = await endpoint(script);
    const stream = await location.read('big.bin', { sizeHint: 40 * MiB }, signal());
    const { bytes, error } = await drain(stream);
    expect(bytes).toBeLessThanOrEqual(16 * MiB);
    expect(error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(
        /big\.bin: the server answered 100 bytes of the 8388608 from byte 16777216: the answer was cut short/,
      ),
    });
  });

  it('ranged reads from a server that ignores Range (200, everything): the right bytes, each range read no further than it needs', async () => {
    const { object, script, written } = rangedServer({ ignoreRange: true });
    const { location, server } = await endpoint(script);
    const stream = await location.read('big.bin', { sizeHint: object.length }, signal());
    const { bytes, sha, error } = await drain(stream);
    expect(error).toBeNull();
    expect(bytes).toBe(object.length);
    expect(sha).toBe(createHash('sha256').update(object).digest('hex'));
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(5);
    // The first range needs 8 MiB of the 40 the server offers: the client stopped reading soon
    // after (socket buffers aside), instead of taking all 40 into memory for each range.
    expect(written[0]).toBeLessThan(32 * MiB);
  });
});
