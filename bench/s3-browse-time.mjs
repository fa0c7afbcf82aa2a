#!/usr/bin/env node
// Browsing an S3 folder of many objects through the contract, as the file browser does, against
// `aws s3 ls` of the same prefix, on fauxqs (127.0.0.1):
//
//   node bench/s3-browse-time.mjs [--objects 20000]
//
// The built web host (`node out/main/serve.js`: build first) answers `locations:browse` over its
// WebSocket; "first rows" is the first part's answer, "all rows" the last part's. Not a
// *.bench.mjs: `node bench/run.mjs s3` does not run it.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { connect, startHost } from './web-host-client.mjs';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '20000' } } });
const OBJECTS = Number(values.objects);
const REPO = path.resolve(import.meta.dirname, '..');
const AWS = '/usr/bin/aws';
const KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const work = mkdtempSync(path.join(os.tmpdir(), 'df-browse-bench-'));
const server = spawn(process.execPath, [path.join(REPO, 'test/support/fauxqs-server.mjs')], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: server.stdout }), 'line');
const { port } = JSON.parse(line);
const endpoint = `http://127.0.0.1:${port}`;
let host;
try {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: KEYS,
  });
  await client.send(new CreateBucketCommand({ Bucket: 'browse' }));
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < OBJECTS) {
        const i = next++;
        await client.send(
          new PutObjectCommand({
            Bucket: 'browse',
            Key: `big/o${String(i).padStart(6, '0')}`,
            Body: 'x',
          }),
        );
      }
    }),
  );
  host = await startHost({ DATAFERRY_DATA_DIR: path.join(work, 'data'), HOME: work });
  const api = await connect(host);
  const target = {
    config: {
      kind: 'object-storage',
      server: '127.0.0.1',
      port,
      protocol: 'HTTP',
      bucket: 'browse',
      accessKeyId: KEYS.accessKeyId,
    },
    secrets: { secretAccessKey: KEYS.secretAccessKey },
  };
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    let part = await api.call('locations:browse', { target, path: 'big' });
    const first = performance.now() - t0;
    let rows = part.entries.length;
    while (part.next) {
      part = await api.call('locations:browse', { target, path: 'big', cursor: part.next });
      rows += part.entries.length;
    }
    const all = performance.now() - t0;
    const a0 = performance.now();
    const ls = spawnSync(AWS, ['--endpoint-url', endpoint, 's3', 'ls', 's3://browse/big/'], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_CA_BUNDLE: '',
        AWS_PAGER: '',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    const awsMs = performance.now() - a0;
    const awsRows = String(ls.stdout).trim().split('\n').length;
    console.log(
      `browse ${rows} rows: first part ${first.toFixed(0)} ms, all ${all.toFixed(0)} ms; ` +
        `aws s3 ls ${awsRows} rows ${awsMs.toFixed(0)} ms; all/aws = ${(all / awsMs).toFixed(2)}`,
    );
  }
  api.close();
} finally {
  await host?.stop();
  server.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
