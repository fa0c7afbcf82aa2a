import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { pauseServer, type Paused } from '../support/fault-pause';
import {
  endsWithin,
  makeSourceTree,
  MiB,
  outcome,
  reportOf,
  startCli,
  temporaryOf,
  treeOf,
  until,
  killAndRestartDuring,
} from '../support/fault-run';
import { killAndRerun, makeKillTree } from '../support/fault-sigkill';
import { mountTmpfs, tmpfsUnavailable } from '../support/fault-tmpfs';
import { randomFile } from '../support/file-hash';
import { runCli } from '../support/run-cli';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';

/*
 * Faults during an execution with S3 (fauxqs, in its own process) as the source and as the
 * destination, through the real `dataferry run`: the server killed mid-file and restarted (the
 * run rides it out, and no multipart upload is left behind), the server frozen with SIGSTOP
 * (the run gives up with `timeout` within --io-timeout and --retry-for), a server whose disk
 * fills up, and source objects replaced or deleted while they are copied. s3.test.ts holds the
 * server stopped for good.
 */

const BUCKET = 'faults';
const BIG = 24 * MiB;
let server: RunningS3Server;
let count = 0;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  server = await startS3Server('fauxqs');
  await server.createBucket(BUCKET);
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

const prefix = (): string => `t${++count}`;

/** Object key (below the prefix) -> size, for every object under the prefix. */
async function objectsUnder(p: string): Promise<string[]> {
  return (await server.listKeys(BUCKET, `${p}/`)).map((k) => k.slice(p.length + 1)).filter(Boolean);
}

async function uploadsUnder(p: string): Promise<string[]> {
  const uploads = (await server.listUploads(BUCKET)) ?? [];
  return uploads.map((u) => u.key).filter((k) => k.startsWith(`${p}/`));
}

function run(args: string[], data: string) {
  return runCli(args, { dataDir: data, env: server.env });
}

/** The source tree uploaded to `p` by a first run. */
async function seeded(p: string, data: string): Promise<Record<string, string>> {
  const src = await local('fs3-seed');
  const tree = await makeSourceTree(src, BIG);
  const up = outcome(
    await run(['run', '--from', src, '--to', server.url(BUCKET, p), '--json'], data),
  );
  expect(up.status, JSON.stringify(up.error)).toBe('SUCCESS');
  return tree;
}

function freeze(): Paused {
  const paused = pauseServer(server.port);
  cleanup.push(() => paused.resume());
  return paused;
}

describe('the S3 server killed mid-file and restarted: the run rides it out', () => {
  it('local -> S3: completes with equal checksums, no multipart upload left', async () => {
    const src = await local('fs3-src');
    const data = await local('fs3-data');
    const srcTree = await makeSourceTree(src, BIG);
    const p = prefix();
    const cli = startCli(
      ['run', '--from', src, '--to', server.url(BUCKET, p), '--bwlimit', '8M', '--json'],
      data,
      server.env,
    );
    await until(
      'a multipart upload',
      async () => ((await uploadsUnder(p)).length ? true : undefined),
      cli.exited,
    );
    // Down for longer than a reconnect: the SDK's (upload) retries must ride it out.
    const { result } = await killAndRestartDuring(cli, server, data, 'the S3 server');
    expect(result.status, JSON.stringify(result.error)).toBe('SUCCESS');
    expect(result.counters).toMatchObject({ FilesFailed: 0, FilesVerified: 4 });
    expect(await uploadsUnder(p)).toEqual([]);
    const dst = await local('fs3-check');
    const down = outcome(
      await run(['run', '--from', server.url(BUCKET, p), '--to', dst, '--json'], data),
    );
    expect(down.status).toBe('SUCCESS');
    expect(await treeOf(dst)).toEqual(srcTree);
  }, 120_000);

  it('S3 -> local: completes with equal checksums', async () => {
    const data = await local('fs3-data');
    const p = prefix();
    const srcTree = await seeded(p, data);
    const dst = await local('fs3-dst');
    const cli = startCli(
      ['run', '--from', server.url(BUCKET, p), '--to', dst, '--bwlimit', '8M', '--json'],
      data,
      server.env,
    );
    await until('a temporary of 4 MiB', () => temporaryOf(dst, 4 * MiB), cli.exited);
    // Down for longer than a reconnect: the engine's retries must ride it out.
    const { result, retries } = await killAndRestartDuring(cli, server, data, 'the S3 server');
    // The dropped connection failed the file in flight; the engine tried it again.
    expect(retries.length).toBeGreaterThan(0);
    expect(result.status, JSON.stringify(result.error)).toBe('SUCCESS');
    expect(result.counters).toMatchObject({ FilesFailed: 0, FilesVerified: 4 });
    expect(await treeOf(dst)).toEqual(srcTree);
  }, 120_000);
});

describe('the S3 server killed for good mid-file: the run gives up within --retry-for', () => {
  it('S3 -> local: ERROR unavailable naming the endpoint and file, nothing partial; after a restart the next run completes', async () => {
    const data = await local('fs3-data');
    const p = prefix();
    const srcTree = await seeded(p, data);
    const dst = await local('fs3-dst');
    const args = ['run', '--from', server.url(BUCKET, p), '--to', dst];
    const cli = startCli(
      [...args, '--bwlimit', '8M', '--retry-for', '3', '--json'],
      data,
      server.env,
    );
    await until('a temporary of 4 MiB', () => temporaryOf(dst, 4 * MiB), cli.exited);
    await server.kill();
    cleanup.push(() => server.restart());
    const result = outcome(await endsWithin(cli, 60_000, 'the server was killed'));
    console.info(`S3 killed for good: ${result.error?.message}`);
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('unavailable');
    expect(result.error?.message).toContain(`127.0.0.1:${server.port}`);
    expect(result.error?.message).toMatch(/^big\.bin: /);
    expect(existsSync(path.join(dst, 'big.bin'))).toBe(false);
    cleanup.pop();
    await server.restart();
    const again = outcome(await run([...args, '--json'], data));
    expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
    expect(await treeOf(dst)).toEqual(srcTree);
  }, 90_000);
});

describe('the S3 server frozen (SIGSTOP): the run gives up within --io-timeout and --retry-for', () => {
  // 1 s: the SDK tries each request 5 times and a failed upload is aborted (within 15 s), so a
  // frozen server costs several times the limit before the engine's own retries.
  const limits = ['--io-timeout', '1', '--retry-for', '3'];

  it('local -> S3: ERROR timeout naming the endpoint and file, no object; the next run completes', async () => {
    const src = await local('fs3-src');
    const data = await local('fs3-data');
    const srcTree = await makeSourceTree(src, BIG);
    const p = prefix();
    const to = server.url(BUCKET, p);
    const cli = startCli(
      ['run', '--from', src, '--to', to, '--bwlimit', '8M', ...limits, '--json'],
      data,
      server.env,
    );
    await until(
      'a multipart upload',
      async () => ((await uploadsUnder(p)).length ? true : undefined),
      cli.exited,
    );
    const paused = freeze();
    const frozenAt = Date.now();
    const result = outcome(await endsWithin(cli, 90_000, 'the server was frozen'));
    console.info(
      `S3 stall (up): ended after ${Date.now() - frozenAt} ms: ${result.error?.message}`,
    );
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('timeout');
    expect(result.error?.message).toContain(`127.0.0.1:${server.port}`);
    expect(result.error?.message).toContain('big.bin');
    paused.resume();
    expect(await objectsUnder(p)).not.toContain('big.bin');
    const again = outcome(await run(['run', '--from', src, '--to', to, '--json'], data));
    expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
    expect((await objectsUnder(p)).filter((k) => !k.endsWith('/')).sort()).toEqual(
      Object.keys(srcTree)
        .filter((k) => srcTree[k] !== 'dir')
        .sort(),
    );
    // The upload the frozen server never saw aborted: the next run finds it (ListMultipartUploads
    // over the prefix) and aborts it before its first write.
    expect(await uploadsUnder(p)).toEqual([]);
  }, 120_000);

  it('S3 -> local: ERROR timeout naming the endpoint and file, nothing partial; the next run completes', async () => {
    const data = await local('fs3-data');
    const p = prefix();
    const srcTree = await seeded(p, data);
    const dst = await local('fs3-dst');
    const from = server.url(BUCKET, p);
    const cli = startCli(
      ['run', '--from', from, '--to', dst, '--bwlimit', '8M', ...limits, '--json'],
      data,
      server.env,
    );
    await until('a temporary of 4 MiB', () => temporaryOf(dst, 4 * MiB), cli.exited);
    const paused = freeze();
    const frozenAt = Date.now();
    const result = outcome(await endsWithin(cli, 90_000, 'the server was frozen'));
    console.info(
      `S3 stall (down): ended after ${Date.now() - frozenAt} ms: ${result.error?.message}`,
    );
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('timeout');
    expect(result.error?.message).toContain(`127.0.0.1:${server.port}`);
    expect(result.error?.message).toContain('big.bin');
    expect(existsSync(path.join(dst, 'big.bin'))).toBe(false);
    paused.resume();
    const again = outcome(await run(['run', '--from', from, '--to', dst, '--json'], data));
    expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
    expect(await treeOf(dst)).toEqual(srcTree);
  }, 120_000);
});

describe.skipIf(tmpfsUnavailable() !== null)('an S3 server whose disk fills up', () => {
  it('local -> S3: the run ends ERROR naming the endpoint; what fit is whole, nothing else stored', async () => {
    const storage = path.join(await local('fs3-full'), 'storage');
    mkdirSync(storage);
    const disk = await mountTmpfs(storage, 8 * MiB);
    cleanup.push(() => disk.unmount());
    const full = await startS3Server('fauxqs', { storageDir: storage });
    cleanup.push(() => full.stop());
    await full.createBucket(BUCKET);
    const src = await local('fs3-src');
    const data = await local('fs3-data');
    await randomFile(path.join(src, '1.bin'), 3 * MiB);
    await randomFile(path.join(src, '2.bin'), 3 * MiB);
    await randomFile(path.join(src, '3.bin'), 4 * MiB);
    await writeFile(path.join(src, 'small.txt'), 'small');
    const result = outcome(
      await runCli(
        [
          'run',
          '--from',
          src,
          '--to',
          full.url(BUCKET, 'x'),
          '--parallel',
          '1',
          '--retry-for',
          '3',
          '--json',
        ],
        { dataDir: data, env: full.env },
      ),
    );
    console.info(`S3 disk full: ${JSON.stringify(result.error)}`);
    expect(result.status).toBe('ERROR');
    expect(result.error?.message).toContain(`127.0.0.1:${full.port}`);
    expect(result.error?.message).toContain('3.bin');
    const keys = await full.listKeys(BUCKET, 'x/');
    expect(keys).not.toContain('x/3.bin');
  }, 90_000);
});

describe('S3 source objects replaced or deleted while they are copied', () => {
  it('replaced after PREPARING: copied again as it is now; deleted: not-found; the rest completes', async () => {
    const data = await local('fs3-data');
    const p = prefix();
    const seed = await local('fs3-seed');
    await randomFile(path.join(seed, 'a-big.bin'), 4 * MiB);
    await randomFile(path.join(seed, 'b-changes.bin'), 2 * MiB);
    await randomFile(path.join(seed, 'c-gone.bin'), 2 * MiB);
    await writeFile(path.join(seed, 'd-stable.txt'), 'stable');
    const from = server.url(BUCKET, p);
    expect(outcome(await run(['run', '--from', seed, '--to', from, '--json'], data)).status).toBe(
      'SUCCESS',
    );
    const dst = await local('fs3-dst');
    const cli = startCli(
      ['run', '--from', from, '--to', dst, '--bwlimit', '4M', '--parallel', '1', '--json'],
      data,
      server.env,
    );
    await until('a-big.bin copying', () => temporaryOf(dst, MiB), cli.exited);
    const replaced = Buffer.alloc(2 * MiB + 4, 5);
    await server.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${p}/b-changes.bin`, Body: replaced }),
    );
    await server.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${p}/c-gone.bin` }));
    const result = outcome(await endsWithin(cli, 60_000, 'the source changed'));
    const report = await reportOf(result.id, data);
    expect(result.status).toBe('ERROR');
    expect(result.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 1 });
    expect(report.get('b-changes.bin')).toMatchObject({ action: 'transferred', size: 2 * MiB + 4 });
    expect(report.get('c-gone.bin')).toMatchObject({ action: 'failed', errorCode: 'not-found' });
    expect(report.get('c-gone.bin')?.detail).toContain(`${p}/c-gone.bin`);
    const got = await treeOf(dst);
    expect(Object.keys(got).sort()).toEqual(['a-big.bin', 'b-changes.bin', 'd-stable.txt']);
    const { createHash } = await import('node:crypto');
    expect(got['b-changes.bin']).toBe(createHash('sha256').update(replaced).digest('hex'));
  }, 90_000);
});

describe('the CLI killed with SIGKILL mid-run (local -> S3)', () => {
  it('marked interrupted, no partial object; the re-run moves only what is missing', async () => {
    const src = await local('fs3-src');
    const data = await local('fs3-data');
    const p = prefix();
    // 12 MiB: a multipart upload (objects up to 8 MiB are one PUT).
    const srcTree = await makeKillTree(src, 12 * MiB);
    const files = (): Promise<string[]> =>
      objectsUnder(p).then((keys) => keys.filter((k) => !k.endsWith('/')));
    await killAndRerun({
      from: src,
      to: server.url(BUCKET, p),
      data,
      env: server.env,
      halfWay: async () => ((await uploadsUnder(p)).length > 0 ? true : undefined),
      finals: files,
      total: 8,
    });
    // An object appears whole or not at all; check the bytes by downloading everything.
    const dst = await local('fs3-check');
    const down = outcome(
      await run(['run', '--from', server.url(BUCKET, p), '--to', dst, '--json'], data),
    );
    expect(down.status).toBe('SUCCESS');
    expect(await treeOf(dst)).toEqual(srcTree);
    // The killed process could not abort its upload: the re-run found it and aborted it.
    expect(await uploadsUnder(p)).toEqual([]);
  }, 90_000);
});
