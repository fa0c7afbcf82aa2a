import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { chmod, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { runCli, type CliOptions, type CliRun } from '../support/run-cli';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';

/*
 * The real `dataferry` command against a real S3 server (fauxqs, in its own process), checked
 * with an independent client (Debian's aws CLI) where it matters: what a user would see.
 */

const AWS = '/usr/bin/aws';
const BUCKET = 'transfers';
const run = promisify(execFile);

let server: RunningS3Server;
let src: string;
let dst: string;
let data: string;
let cleanup: (() => Promise<void>)[] = [];
let prefixCount = 0;

beforeAll(async () => {
  server = await startS3Server('fauxqs');
  await server.createBucket(BUCKET);
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  const dirs = await Promise.all([tempDir('s3-src'), tempDir('s3-dst'), tempDir('s3-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

/** A fresh prefix per test: tests share the server and the bucket. */
function freshPrefix(): string {
  prefixCount++;
  return `t${prefixCount}-${Date.now().toString(36)}`;
}

function dataferry(args: string[], options: Partial<CliOptions> = {}): Promise<CliRun> {
  return runCli(args, {
    dataDir: data,
    ...options,
    env: { ...server.env, ...options.env },
  });
}

function parsed(result: CliRun): {
  status: string;
  counters: Record<string, number>;
  error: { code: string; message: string } | null;
  id: string;
} {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

async function aws(args: string[]): Promise<string> {
  const { stdout } = await run(AWS, ['--endpoint-url', server.endpoint, ...args], {
    env: { ...process.env, ...server.env, AWS_CA_BUNDLE: '', AWS_PAGER: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** path -> kind, size, sha-256 prefix, mtime (ms) and mode: everything a round trip keeps. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const info = lstatSync(path.join(root, p));
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isDirectory()) {
        out[p] = `dir ${mode}`;
        walk(p);
      } else {
        const hash = createHash('sha256')
          .update(readFileSync(path.join(root, p)))
          .digest('hex');
        out[p] = `file ${info.size} ${hash.slice(0, 16)} ${Math.floor(info.mtimeMs)} ${mode}`;
      }
    }
  };
  walk('');
  return out;
}

async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'photos/2024/empty'), { recursive: true });
  await mkdir(path.join(root, 'docs with spaces'), { recursive: true });
  await writeFile(path.join(root, 'photos/2024/ünïcødé 写真.jpg'), Buffer.alloc(70_000, 3));
  await writeFile(path.join(root, 'docs with spaces/notes (draft) #1.txt'), 'notes');
  await writeFile(path.join(root, 'zero'), '');
  // Three parts of 8 MiB and a bit: the multipart path, with content that differs per part.
  const big = Buffer.alloc(17 * 1024 * 1024 + 5);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  await writeFile(path.join(root, 'photos/big.raw'), big);
  await chmod(path.join(root, 'docs with spaces/notes (draft) #1.txt'), 0o600);
  await chmod(path.join(root, 'photos/2024'), 0o750);
  await utimes(
    path.join(root, 'zero'),
    new Date('2020-01-01'),
    new Date('2020-01-01T01:02:03.456Z'),
  );
  await utimes(
    path.join(root, 'photos/big.raw'),
    new Date('2021-05-06'),
    new Date('2021-05-06T07:08:09.123Z'),
  );
}

describe('dataferry with S3', () => {
  it('round-trips local -> S3 -> local with the same bytes, mtimes and modes, and re-runs move nothing', async () => {
    await makeTree(src);
    const url = server.url(BUCKET, freshPrefix());
    const up = await dataferry(['run', '--from', src, '--to', url, '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({ FilesTransferred: 4, FilesVerified: 4 });

    // What an independent client sees: the files with their sizes, and folder markers.
    const prefix = new URL(url).pathname.slice(1);
    const listing = await aws(['s3', 'ls', '--recursive', `s3://${BUCKET}/${prefix}/`]);
    const sizes = Object.fromEntries(
      listing
        .trim()
        .split('\n')
        .map((line) => {
          const match = /^\S+ \S+\s+(\d+) (.*)$/.exec(line) as RegExpExecArray;
          return [(match[2] as string).slice(prefix.length + 1), Number(match[1])];
        }),
    );
    expect(sizes).toMatchObject({
      'photos/2024/ünïcødé 写真.jpg': 70_000,
      'docs with spaces/notes (draft) #1.txt': 5,
      zero: 0,
      'photos/big.raw': 17 * 1024 * 1024 + 5,
      'photos/2024/empty/': 0,
    });
    const head = JSON.parse(
      await aws([
        's3api',
        'head-object',
        '--bucket',
        BUCKET,
        '--key',
        `${prefix}/docs with spaces/notes (draft) #1.txt`,
        '--checksum-mode',
        'ENABLED',
      ]),
    );
    expect(head.Metadata).toMatchObject({ mode: '100600', uid: String(process.getuid?.() ?? 0) });
    expect(head.ChecksumSHA256).toBe(createHash('sha256').update('notes').digest('base64'));
    expect(head.ContentType).toBe('text/plain; charset=utf-8');
    const zeroHead = JSON.parse(
      await aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', `${prefix}/zero`]),
    );
    // The disk's own nanoseconds, in rclone's and DataSync's keys (utimes from a Date is not
    // exact past the microsecond: what counts is that the object says what the disk says).
    const zeroNs = lstatSync(path.join(src, 'zero'), { bigint: true }).mtimeNs;
    expect(zeroNs / 1_000_000n).toBe(1_577_840_523_456n);
    expect(zeroHead.Metadata.mtime).toBe(
      `${zeroNs / 1_000_000_000n}.${String(zeroNs % 1_000_000_000n).padStart(9, '0')}`,
    );
    expect(zeroHead.Metadata['file-mtime']).toBe(`${zeroNs}ns`);

    const down = await dataferry(['run', '--from', url, '--to', dst, '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(snapshot(dst)).toEqual(snapshot(src));
    await expect(run('diff', ['-r', src, dst])).resolves.toBeDefined();

    // Compared against the stored mtimes, not the upload times: nothing moves again.
    const again = await dataferry(['run', '--from', src, '--to', url, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(parsed(again).counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 4 });
    const back = await dataferry(['run', '--from', url, '--to', dst, '--json']);
    expect(parsed(back).counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 4 });
  });

  it('moves 5,000 small files up and back, verified', async () => {
    for (let d = 0; d < 10; d++) {
      await mkdir(path.join(src, `d${d}`));
      await Promise.all(
        Array.from({ length: 500 }, (_, f) =>
          writeFile(path.join(src, `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`.repeat(f % 7)),
        ),
      );
    }
    const url = server.url(BUCKET, freshPrefix());
    const up = await dataferry(['run', '--from', src, '--to', url, '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({ FilesTransferred: 5000, FilesVerified: 5000 });
    const prefix = new URL(url).pathname.slice(1);
    expect((await server.listKeys(BUCKET, `${prefix}/`)).length).toBe(5000 + 10 + 1); // + markers
    const down = await dataferry(['run', '--from', url, '--to', dst, '--json']);
    expect(parsed(down).counters).toMatchObject({ FilesTransferred: 5000, FilesFailed: 0 });
    expect(snapshot(dst)).toEqual(snapshot(src));
  }, 120_000);

  it('reports object keys that cannot be file names, and writes nothing outside the destination', async () => {
    const prefix = freshPrefix();
    const put = (key: string, body: string): Promise<unknown> =>
      server.client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}`, Body: body }),
      );
    await put('ok/fine.txt', 'fine');
    await put('ok/../../escaped.txt', 'escape attempt');
    await put('ok//double-slash.txt', 'empty segment');
    await put('same', 'an object named like a folder');
    await put('same/inside.txt', 'inside');
    // Data under a key ending in '/', written by the aws CLI: only a folder can be named so.
    const body = path.join(dst, 'marker-body');
    writeFileSync(body, 'data in a folder marker');
    await aws([
      's3api',
      'put-object',
      '--bucket',
      BUCKET,
      '--key',
      `${prefix}/notes/`,
      '--body',
      body,
    ]);
    rmSync(body);
    const target = path.join(dst, 'target');
    const result = await dataferry([
      'run',
      '--from',
      server.url(BUCKET, prefix),
      '--to',
      target,
      '--json',
    ]);
    // Left behind, so not a complete copy (issue 15, item 2): ERROR, exit 1, counted apart.
    expect(result.code, result.stderr).toBe(1);
    const execution = parsed(result);
    expect(execution.status).toBe('ERROR');
    expect(execution.counters).toMatchObject({ FilesNotCopied: 4, FilesSkipped: 0 });
    expect(execution.error?.message).toMatch(/^4 entries were not copied: /);
    expect(snapshot(dst)).toEqual({
      target: 'dir 755',
      'target/notes': expect.stringMatching(/^dir /),
      'target/ok': expect.stringMatching(/^dir /),
      'target/ok/fine.txt': expect.stringMatching(/^file 4 /),
      'target/same': expect.stringMatching(/^dir /),
      'target/same/inside.txt': expect.stringMatching(/^file 6 /),
    });
    const report = JSON.parse(
      (await dataferry(['report', parsed(result).id, '--format', 'json'])).stdout,
    ) as { files: { path: string; action: string; error?: string; detail?: string }[] };
    const text = JSON.stringify(report.files);
    // The walk stops at the bad segment: the key's first unsafe prefix is what is named.
    expect(text).toContain(`object key \\"${prefix}/ok/../\\" cannot be a file name`);
    expect(text).toContain(`object key \\"${prefix}/ok//\\" cannot be a file name`);
    expect(text).toContain('an object and a folder are both named');
    expect(text).toContain(
      `object key \\"${prefix}/notes/\\" cannot be a file name: it has 23 byte(s) of data`,
    );
    expect(report.files.filter((f) => f.action === 'not-copied')).toHaveLength(4);
  });

  it('cancels a multipart upload: no object and no upload left in progress', async () => {
    await writeFile(path.join(src, 'big.bin'), Buffer.alloc(48 * 1024 * 1024, 9));
    const prefix = freshPrefix();
    const result = await dataferry(
      ['run', '--from', src, '--to', server.url(BUCKET, prefix), '--bwlimit', '8M', '--json'],
      { onSpawn: (child) => setTimeout(() => child.kill('SIGINT'), 2500) },
    );
    expect(result.code, result.stderr).toBe(3);
    expect(parsed(result).status).toBe('CANCELLED');
    expect(await server.listKeys(BUCKET, `${prefix}/`)).toEqual([`${prefix}/`]);
    const uploads = await server.listUploads(BUCKET);
    expect(uploads?.filter((u) => u.key.startsWith(`${prefix}/`))).toEqual([]);
  });

  it('names a missing bucket', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    const result = await dataferry([
      'run',
      '--from',
      src,
      '--to',
      server.url('no-such-bucket-here', 'x'),
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(parsed(result).error).toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('"no-such-bucket-here"'),
    });
  });

  it('ends with an error naming the server when it is stopped mid-run, and the next run completes', async () => {
    const own = await startS3Server('fauxqs');
    try {
      await own.createBucket(BUCKET);
      for (let i = 0; i < 8; i++) {
        await writeFile(path.join(src, `part-${i}.bin`), Buffer.alloc(4 * 1024 * 1024, i));
      }
      const url = own.url(BUCKET, 'mid-run');
      const stopped = await runCli(
        // A short retry window: the server is stopped for good, no restart is coming.
        [
          'run',
          '--from',
          src,
          '--to',
          url,
          '--bwlimit',
          '8M',
          '--parallel',
          '2',
          '--retry-for',
          '3',
          '--json',
        ],
        {
          dataDir: data,
          env: own.env,
          onSpawn: () => setTimeout(() => void own.kill(), 1500),
        },
      );
      expect(stopped.code, stopped.stderr).toBe(1);
      const outcome = parsed(stopped);
      expect(outcome.status).toBe('ERROR');
      expect(JSON.stringify(outcome)).toContain(`127.0.0.1:${own.port}`);
      await own.restart();
      const resumed = await runCli(['run', '--from', src, '--to', url, '--json'], {
        dataDir: data,
        env: own.env,
      });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(parsed(resumed).counters.FilesFailed).toBe(0);
      expect((await own.listKeys(BUCKET, 'mid-run/')).filter((k) => !k.endsWith('/'))).toHaveLength(
        8,
      );
      expect((await own.listUploads(BUCKET)) ?? []).toEqual([]);
    } finally {
      await own.stop();
    }
  }, 120_000);

  it('refuses wrong credentials with auth-failed (s3rver checks the access key)', async () => {
    const s3rver = await startS3Server('s3rver');
    try {
      await s3rver.createBucket(BUCKET);
      await writeFile(path.join(src, 'a.txt'), 'a');
      const result = await runCli(
        ['run', '--from', src, '--to', s3rver.url(BUCKET, 'x'), '--json'],
        {
          dataDir: data,
          env: { ...s3rver.env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY' },
        },
      );
      expect(result.code).toBe(1);
      expect(parsed(result).error?.code).toBe('auth-failed');
    } finally {
      await s3rver.stop();
    }
  });

  it('moves a 1 GiB file through multipart and verifies it both ways', async () => {
    const file = path.join(src, 'one-gib.bin');
    const block = Buffer.alloc(1024 * 1024);
    const { open } = await import('node:fs/promises');
    const handle = await open(file, 'w');
    const expected = createHash('sha256');
    for (let i = 0; i < 1024; i++) {
      block.fill(i % 251);
      block.writeUInt32LE(i, 0);
      expected.update(block);
      await handle.write(block);
    }
    await handle.close();
    const url = server.url(BUCKET, freshPrefix());
    const up = await dataferry(['run', '--from', src, '--to', url, '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({ FilesVerified: 1, BytesVerified: 1024 ** 3 });
    const down = await dataferry(['run', '--from', url, '--to', dst, '--json']);
    expect(parsed(down).counters).toMatchObject({ FilesVerified: 1, BytesWritten: 1024 ** 3 });
    const actual = createHash('sha256');
    for await (const chunk of createReadStream(path.join(dst, 'one-gib.bin'))) actual.update(chunk);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
    expect(existsSync(path.join(dst, 'one-gib.bin'))).toBe(true);
    expect((await readdir(dst)).length).toBe(1);
  }, 240_000);
});
