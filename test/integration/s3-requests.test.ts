import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { runCli, type CliRun } from '../support/run-cli';
import { s3RequestLog, type S3RequestLog } from '../support/s3-request-log';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';

/*
 * What the S3 location costs on the wire, counted by a logging proxy in front of fauxqs: listings
 * answer size and ETag, so a first copy from S3 asks no HEAD (the GET's headers carry the
 * metadata), and a re-run over objects DataFerry wrote asks none either (the index of what it
 * wrote, in the data folder). An object changed behind DataFerry's back is still asked about
 * and copied.
 */

const BUCKET = 'counted';
const FILES = 30;

let server: RunningS3Server;
let wire: S3RequestLog;
let src: string;
let dst: string;
let data: string;
let cleanup: (() => Promise<void>)[] = [];
let prefixCount = 0;

beforeAll(async () => {
  server = await startS3Server('fauxqs');
  await server.createBucket(BUCKET);
  wire = await s3RequestLog(server.endpoint);
});
afterAll(async () => {
  await wire?.close();
  await server?.stop();
});
beforeEach(async () => {
  const dirs = await Promise.all([tempDir('s3r-src'), tempDir('s3r-dst'), tempDir('s3r-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

function url(): string {
  prefixCount++;
  return `s3://${BUCKET}/p${prefixCount}-${Date.now().toString(36)}?endpoint=${wire.endpoint}&pathStyle=true`;
}

async function dataferry(args: string[]): Promise<Record<string, number>> {
  const result: CliRun = await runCli([...args, '--json'], { dataDir: data, env: server.env });
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return (JSON.parse(result.stdout) as { counters: Record<string, number> }).counters;
}

/**
 * HEADs of the files' objects (per-run probes of folders and of the destination's writability
 * are not per object, and not counted).
 */
function objectHeads(): string[] {
  return wire.requests
    .filter((r) => r.operation === 'HEAD' && /\/f\d+\.txt$/.test(r.path))
    .map((r) => r.path);
}

async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'sub'));
  for (let i = 0; i < FILES; i++) {
    const file = path.join(root, i % 3 === 0 ? 'sub' : '', `f${i}.txt`);
    await writeFile(file, `content ${i}\n`.repeat(i + 1));
    await chmod(file, i % 2 ? 0o640 : 0o600);
    await utimes(file, new Date(1_600_000_000_000 + i * 1000), new Date(1_600_000_000_123 + i));
  }
}

/** path -> size, content hash, mtime (ms) and mode. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const info = lstatSync(path.join(root, p));
      if (info.isDirectory()) walk(p);
      else {
        const hash = createHash('sha256')
          .update(readFileSync(path.join(root, p)))
          .digest('hex');
        out[p] =
          `${info.size} ${hash.slice(0, 12)} ${Math.floor(info.mtimeMs)} ${(info.mode & 0o777).toString(8)}`;
      }
    }
  };
  walk('');
  return out;
}

describe('S3 requests per object', () => {
  it('copies S3 -> local with no HEAD, keeping mtimes and modes from the GET', async () => {
    await makeTree(src);
    const target = url();
    expect(await dataferry(['run', '--from', src, '--to', target])).toMatchObject({
      FilesTransferred: FILES,
    });
    // A fresh data folder: nothing known of these objects, as on another machine.
    const other = await tempDir('s3r-data2');
    cleanup.push(other.remove);
    wire.reset();
    const result = await runCli(['run', '--from', target, '--to', dst, '--json'], {
      dataDir: other.dir,
      env: server.env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counters).toMatchObject({
      FilesTransferred: FILES,
      FilesVerified: FILES,
    });
    expect(objectHeads()).toEqual([]);
    expect(wire.count('GET')).toBe(FILES);
    expect(snapshot(dst)).toEqual(snapshot(src));
  });

  it('re-runs local -> S3 over objects it wrote with no HEAD, and S3 -> local too', async () => {
    await makeTree(src);
    const target = url();
    await dataferry(['run', '--from', src, '--to', target]);
    wire.reset();
    expect(await dataferry(['run', '--from', src, '--to', target])).toMatchObject({
      FilesTransferred: 0,
      FilesSkipped: FILES,
    });
    expect(objectHeads()).toEqual([]);
    expect(wire.count('LIST')).toBeGreaterThan(0);

    await dataferry(['run', '--from', target, '--to', dst]);
    wire.reset();
    expect(await dataferry(['run', '--from', target, '--to', dst])).toMatchObject({
      FilesTransferred: 0,
      FilesSkipped: FILES,
    });
    expect(objectHeads()).toEqual([]);
  });

  it('still finds objects changed behind its back: another ETag, or the same bytes with other metadata', async () => {
    await makeTree(src);
    const target = url();
    const prefix = new URL(target).pathname.slice(1);
    await dataferry(['run', '--from', src, '--to', target]);
    // Other bytes of the same size: another ETag.
    const f1 = readFileSync(path.join(src, 'f1.txt'));
    await server.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}/f1.txt`,
        Body: Buffer.alloc(f1.length, 0x78),
        Metadata: { mtime: '1600000001.123000', mode: '100640' },
      }),
    );
    // The same bytes (so the same ETag) rewritten by another client with another mtime, a
    // second later (S3 keeps LastModified to the second).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await server.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${prefix}/f2.txt`,
        Body: readFileSync(path.join(src, 'f2.txt')),
        Metadata: { mtime: '1500000000', mode: '100600' },
      }),
    );
    wire.reset();
    expect(await dataferry(['run', '--from', src, '--to', target])).toMatchObject({
      FilesTransferred: 2,
      FilesSkipped: FILES - 2,
    });
    // Only the two objects the index no longer vouches for were asked about.
    expect(objectHeads().sort()).toEqual([
      `/${BUCKET}/${prefix}/f1.txt`,
      `/${BUCKET}/${prefix}/f2.txt`,
    ]);
    await dataferry(['run', '--from', target, '--to', dst]);
    expect(snapshot(dst)).toEqual(snapshot(src));
  });
});
