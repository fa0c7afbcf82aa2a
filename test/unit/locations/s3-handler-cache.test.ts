import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { withHandlerCache } from '../../../src-main/locations/s3/s3-handler-cache';

/*
 * The S3 client's middleware chain is built once per command class (s3-handler-cache.ts); each
 * request must still be cancelled by its own signal only, and changes to the client's stack (the
 * tests' recorders) and to a command's own stack (s3-answer.ts) must still apply.
 */

interface Sent {
  path: string;
  headers: Record<string, string>;
}

/** A client whose requests wait `delayMs` (or until their abort signal fires), then answer 200. */
function fakeClient(delayMs = 0) {
  const sent: Sent[] = [];
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: {
      handle: (
        request: { path: string; headers: Record<string, string> },
        options?: { abortSignal?: AbortSignal },
      ) =>
        new Promise((resolve, reject) => {
          sent.push({ path: request.path, headers: { ...request.headers } });
          const signal = options?.abortSignal;
          const onAbort = (): void => {
            clearTimeout(timer);
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
          };
          const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve({
              response: {
                statusCode: 200,
                headers: { 'content-length': '2', etag: '"e"' },
                body: Readable.from([Buffer.from('ok')]),
              },
            });
          }, delayMs);
          if (signal?.aborted) onAbort();
          else signal?.addEventListener('abort', onAbort, { once: true });
        }),
    },
  });
  return { client: withHandlerCache(client), sent };
}

const get = (key: string) => new GetObjectCommand({ Bucket: 'b', Key: key });

describe('the S3 client with one middleware chain per command class', () => {
  it('builds the chain once per command class, and sends each request with its own input', async () => {
    const { client, sent } = fakeClient();
    const resolve = vi.spyOn(GetObjectCommand.prototype, 'resolveMiddleware');
    const signal = new AbortController().signal;
    for (const key of ['one', 'two', 'three']) await client.send(get(key), { abortSignal: signal });
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'four' }), { abortSignal: signal });
    expect(resolve).toHaveBeenCalledTimes(1);
    resolve.mockRestore();
    expect(sent.map((s) => s.path)).toEqual(['/b/one', '/b/two', '/b/three', '/b/four']);
    // Signed per request: every request has its own signature and invocation id.
    expect(new Set(sent.map((s) => s.headers['amz-sdk-invocation-id'])).size).toBe(4);
    expect(sent.every((s) => s.headers.authorization?.startsWith('AWS4-HMAC-SHA256'))).toBe(true);
  });

  it('cancels only the request whose signal fired', async () => {
    const { client } = fakeClient(200);
    const cancelled = new AbortController();
    const kept = new AbortController();
    const first = client.send(get('a'), { abortSignal: cancelled.signal });
    const second = client.send(get('b'), { abortSignal: kept.signal });
    setTimeout(() => cancelled.abort(), 20);
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    const output = await second;
    expect(output.ETag).toBe('"e"');
    // A signal that fired before the request is sent stops it too.
    await expect(client.send(get('c'), { abortSignal: cancelled.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it("applies middleware added to the client's stack later, and a command's own middleware", async () => {
    const { client } = fakeClient();
    const signal = new AbortController().signal;
    await client.send(get('before'), { abortSignal: signal });
    const seen: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(`client:${context.commandName}`);
        return next(args);
      },
      { step: 'initialize', name: 'recordForTest' },
    );
    await client.send(get('after'), { abortSignal: signal });
    const own = get('own');
    own.middlewareStack.add(
      (next) => async (args) => {
        seen.push('command');
        return next(args);
      },
      { step: 'initialize', name: 'ownForTest' },
    );
    await client.send(own, { abortSignal: signal });
    expect(seen).toEqual(['client:GetObjectCommand', 'client:GetObjectCommand', 'command']);
  });
});
