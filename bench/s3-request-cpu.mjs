#!/usr/bin/env node
// CPU the AWS SDK v3 spends per S3 request in this process (user+sys / request), for the S3
// location's client configuration and for the SDK's defaults, against fauxqs on 127.0.0.1:
//
//   node bench/s3-request-cpu.mjs [--requests 5000] [--concurrency 32]
//
// Each request carries an abort signal, as the location's do. "handler cache" is the location's
// client (s3-handler-cache.ts: one middleware chain per command class instead of one per request).
//
// Not a *.bench.mjs: `node bench/run.mjs s3` does not run it. The server runs in its own process,
// so the figure is the client's cost alone (what a DataFerry worker thread pays per object).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import http from 'node:http';
// Node 24 strips the types of this file itself: the same code the S3 location runs.
import { withHandlerCache } from '../src-main/locations/s3/s3-handler-cache.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const REPO = path.resolve(import.meta.dirname, '..');

const server = spawn(process.execPath, [path.join(REPO, 'test/support/fauxqs-server.mjs')], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: server.stdout }), 'line');
const { port } = JSON.parse(line);
const endpoint = `http://127.0.0.1:${port}`;
const common = {
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestHandler: new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  }),
};
/** What src-main/locations/s3/s3-client.ts sets on top of the defaults. */
const dataferry = {
  ...common,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  disableS3ExpressSessionAuth: true,
  retryMode: 'standard',
  maxAttempts: 3,
};

const body = Buffer.alloc(4096, 7);
await new S3Client(common).send(new CreateBucketCommand({ Bucket: 'cpu' }));

async function measure(label, config, make, cached = false) {
  const client = cached ? withHandlerCache(new S3Client(config)) : new S3Client(config);
  await client.send(make(0)); // warm: connection, credentials, endpoint resolution
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const output = await client.send(make(next++), { abortSignal: signal });
        // A GET's body is read, as the location reads it.
        if (output.Body) for await (const _ of output.Body);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const perRequest = (cpu.user + cpu.system) / REQUESTS;
  console.log(
    `${label.padEnd(34)} ${REQUESTS} requests  ${(wall / 1000).toFixed(2)} s wall  ` +
      `user+sys ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${perRequest.toFixed(0)} µs/request`,
  );
  client.destroy();
}

// Every request carries an abort signal, as the location's do (the SDK then resolves its
// middleware chain per request unless the handler cache is on).
const signal = new AbortController().signal;
const put = (i) =>
  new PutObjectCommand({
    Bucket: 'cpu',
    Key: `k${i % REQUESTS}`,
    Body: body,
    Metadata: { mtime: '1.0' },
  });
const head = (i) => new HeadObjectCommand({ Bucket: 'cpu', Key: `k${i % REQUESTS}` });
const get = (i) => new GetObjectCommand({ Bucket: 'cpu', Key: `k${i % REQUESTS}` });
try {
  await measure('PUT 4 KiB, SDK defaults', common, put);
  await measure('PUT 4 KiB, DataFerry config', dataferry, put);
  await measure('PUT 4 KiB, config + handler cache', dataferry, put, true);
  await measure('HEAD, SDK defaults', common, head);
  await measure('HEAD, DataFerry config', dataferry, head);
  await measure('HEAD, config + handler cache', dataferry, head, true);
  await measure('GET 4 KiB, DataFerry config', dataferry, get);
  await measure('GET 4 KiB, config + handler cache', dataferry, get, true);
} finally {
  server.kill('SIGTERM');
}
