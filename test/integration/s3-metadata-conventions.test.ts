import { execFile } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { runCli, type CliRun } from '../support/run-cli';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';

/*
 * Issue 15, items 5 and 6: times and metadata of objects other tools wrote, against fauxqs, with
 * the objects written by Debian's aws CLI (no metadata: LastModified is the time), Debian's
 * rclone (`mtime` in seconds with 9 digits of nanoseconds) and DataSync's keys (`file-mtime` in
 * nanoseconds with "ns", `file-permissions`, `file-owner`, `file-group`, put with the aws CLI).
 * Each test checks the disk (stat), the objects (head-object through the aws CLI), the re-run's
 * counters and report (nothing transferred, no "metadata only" rewrite), and rclone's own count.
 */

const AWS = '/usr/bin/aws';
const BUCKET = 'conventions';
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
  const dirs = await Promise.all([tempDir('conv-src'), tempDir('conv-dst'), tempDir('conv-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

function freshPrefix(): string {
  prefixCount++;
  return `c${prefixCount}-${Date.now().toString(36)}`;
}

interface Ran {
  status: string;
  counters: Record<string, number>;
  id: string;
  /** The report's rows (transferred, metadata only, failed...). */
  rows: { path: string; action: string; detail: string | null }[];
}

/** `dataferry run --json`, then its report: what a user and a script would read. */
async function dataferry(from: string, to: string): Promise<Ran> {
  const options = { dataDir: data, env: server.env };
  const result: CliRun = await runCli(['run', '--from', from, '--to', to, '--json'], options);
  let parsed: Omit<Ran, 'rows'>;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  const report = await runCli(['report', parsed.id, '--format', 'json'], options);
  expect(report.code, report.stderr).toBe(0);
  const body = JSON.parse(report.stdout) as { files?: Ran['rows'] } | Ran['rows'];
  const rows = Array.isArray(body) ? body : (body.files ?? []);
  return { ...parsed, rows };
}

/** Report rows that rewrote something: transferred files and "metadata only" updates. */
function rewrites(ran: Ran): string[] {
  return ran.rows
    .filter((r) => r.action !== 'skipped' && r.action !== 'verified')
    .map((r) => `${r.action} ${r.path} ${r.detail ?? ''}`.trim());
}

function awsEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...server.env, AWS_CA_BUNDLE: '', AWS_PAGER: '' };
}

async function aws(args: string[]): Promise<string> {
  const { stdout } = await run(AWS, ['--endpoint-url', server.endpoint, ...args], {
    env: awsEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function head(key: string): Promise<{
  Metadata: Record<string, string>;
  LastModified: string;
  ETag: string;
}> {
  return JSON.parse(await aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', key]));
}

/** rclone (Debian's) with a remote `fx:` on the test server (AWS_CA_BUNDLE unset, path style). */
async function rclone(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG_FX_TYPE: 's3',
    RCLONE_CONFIG_FX_PROVIDER: 'Other',
    RCLONE_CONFIG_FX_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_FX_ACCESS_KEY_ID: server.env.AWS_ACCESS_KEY_ID ?? '',
    RCLONE_CONFIG_FX_SECRET_ACCESS_KEY: server.env.AWS_SECRET_ACCESS_KEY ?? '',
    RCLONE_CONFIG_FX_REGION: server.env.AWS_REGION ?? 'us-east-1',
    RCLONE_CONFIG_FX_FORCE_PATH_STYLE: 'true',
    // fauxqs refuses bodies over 11 MiB: multipart from 8 MiB, as DataFerry does.
    RCLONE_CONFIG_FX_UPLOAD_CUTOFF: '8M',
    RCLONE_CONFIG_FX_CHUNK_SIZE: '8M',
  };
  delete env.AWS_CA_BUNDLE;
  const { stdout, stderr } = await run('rclone', [...args, '-v', '--stats-one-line'], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

/** What rclone's log says it did: files copied and files whose time it re-stamped. */
function rcloneActions(log: string): { copied: number; restamped: number } {
  return {
    copied: (log.match(/: Copied \(/g) ?? []).length,
    restamped: (log.match(/Updated modification time in destination/g) ?? []).length,
  };
}

/** A local tree with nanosecond times, modes and a multipart-sized file (17 MiB). */
async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'docs/deep'), { recursive: true });
  await writeFile(path.join(root, 'docs/deep/a.txt'), 'alpha');
  await writeFile(path.join(root, 'docs/b.sh'), '#!/bin/sh\n');
  await chmod(path.join(root, 'docs/b.sh'), 0o750);
  const big = Buffer.alloc(17 * 1024 * 1024 + 5);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  await writeFile(path.join(root, 'big.bin'), big);
  // touch takes nanoseconds, which Node's utimes cannot set exactly.
  await run('touch', ['-d', '2021-03-04 05:06:07.123456789Z', path.join(root, 'docs/deep/a.txt')]);
  await run('touch', ['-d', '2020-02-03 04:05:06.987654321Z', path.join(root, 'docs/b.sh')]);
  await run('touch', ['-d', '2019-01-02 03:04:05.000000001Z', path.join(root, 'big.bin')]);
}

const FILES = ['big.bin', 'docs/b.sh', 'docs/deep/a.txt'];

/** Every folder under root (root included), relative. */
function folders(root: string, rel = ''): string[] {
  const out = [rel];
  for (const name of readdirSync(path.join(root, rel)).sort()) {
    const child = rel ? `${rel}/${name}` : name;
    if (lstatSync(path.join(root, child)).isDirectory()) out.push(...folders(root, child));
  }
  return out;
}

function nsOf(file: string): bigint {
  return lstatSync(file, { bigint: true }).mtimeNs;
}

function rcloneTime(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

describe('S3 objects other tools wrote (issue 15, items 5 and 6)', () => {
  it('aws CLI objects (no markers, no metadata): folders keep a real time, files LastModified; the way back rewrites nothing', async () => {
    await makeTree(src);
    const prefix = freshPrefix();
    await aws(['s3', 'cp', '--recursive', '--only-show-errors', src, `s3://${BUCKET}/${prefix}/`]);
    const keysBefore = await server.listKeys(BUCKET, `${prefix}/`);
    expect(keysBefore).toEqual(FILES.map((f) => `${prefix}/${f}`)); // no folder markers
    const started = Date.now();

    const down = await dataferry(server.url(BUCKET, prefix), dst);
    expect(down.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 0 });
    expect(down.rows.filter((r) => r.action === 'transferred').map((r) => r.path)).toEqual(
      expect.arrayContaining(FILES),
    );
    // Item 5: a folder without a marker has no known time: none is set (never 1970).
    for (const folder of folders(dst)) {
      const mtime = lstatSync(path.join(dst, folder)).mtimeMs;
      expect(mtime, `folder '${folder}'`).toBeGreaterThan(started - 60_000);
    }
    // Files: LastModified (to the second, as every header gives it), never the copy's time.
    for (const file of FILES) {
      const lastModified = Date.parse((await head(`${prefix}/${file}`)).LastModified);
      expect(lstatSync(path.join(dst, file)).mtimeMs, file).toBe(lastModified);
    }

    // Back up: nothing transferred, no metadata-only rewrite, no marker added, objects intact.
    const heads = await Promise.all(FILES.map((f) => head(`${prefix}/${f}`)));
    const back = await dataferry(dst, server.url(BUCKET, prefix));
    expect(back.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 3, FilesFailed: 0 });
    expect(rewrites(back)).toEqual([]);
    expect(await server.listKeys(BUCKET, `${prefix}/`)).toEqual(keysBefore);
    expect(await Promise.all(FILES.map((f) => head(`${prefix}/${f}`)))).toEqual(heads);
  }, 120_000);

  it("DataSync's keys (file-mtime in ns, file-permissions, file-owner, file-group) are read: the copy has them, and the way back rewrites nothing", async () => {
    const prefix = freshPrefix();
    const body = path.join(src, 'body');
    await writeFile(body, 'written by DataSync');
    const mtimeNs = 1_589_906_471_163_456_789n;
    await aws([
      's3api',
      'put-object',
      '--bucket',
      BUCKET,
      '--key',
      `${prefix}/dir/report.csv`,
      '--body',
      body,
      '--metadata',
      `file-mtime=${mtimeNs}ns,file-atime=1589906000000000000ns,file-owner=1234,file-group=2345,file-permissions=0100754,user-agent=aws-datasync`,
    ]);
    const before = await head(`${prefix}/dir/report.csv`);

    const down = await dataferry(server.url(BUCKET, prefix), dst);
    expect(down.counters).toMatchObject({ FilesTransferred: 1, FilesFailed: 0 });
    const info = lstatSync(path.join(dst, 'dir/report.csv'), { bigint: true });
    // Within a microsecond: Node's utimes takes seconds as a double.
    const offBy = info.mtimeNs - mtimeNs;
    expect(offBy < 1000n && offBy > -1000n, `mtime ${info.mtimeNs}`).toBe(true);
    // (atime is not checked on disk: VERIFYING reads the file back, which updates it.)
    expect(Number(info.mode & 0o7777n).toString(8)).toBe('754');
    expect([Number(info.uid), Number(info.gid)]).toEqual([1234, 2345]);
    expect(lstatSync(path.join(dst, 'dir')).mtimeMs).toBeGreaterThan(Date.now() - 60_000);

    const back = await dataferry(dst, server.url(BUCKET, prefix));
    expect(back.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 1, FilesFailed: 0 });
    expect(rewrites(back)).toEqual([]);
    expect(await head(`${prefix}/dir/report.csv`)).toEqual(before);
    expect(await server.listKeys(BUCKET, `${prefix}/`)).toEqual([`${prefix}/dir/report.csv`]);
  }, 120_000);

  it('rclone then DataFerry: objects rclone wrote are unchanged for DataFerry both ways, to the nanosecond', async () => {
    await makeTree(src);
    const prefix = freshPrefix();
    const log = await rclone(['copy', src, `fx:${BUCKET}/${prefix}`]);
    expect(rcloneActions(log).copied).toBe(3);
    for (const file of FILES) {
      expect((await head(`${prefix}/${file}`)).Metadata.mtime).toBe(
        rcloneTime(nsOf(path.join(src, file))),
      );
    }
    const heads = await Promise.all(FILES.map((f) => head(`${prefix}/${f}`)));

    // The same tree again, by DataFerry: nothing to do (no mode or owner rewritten into them).
    const again = await dataferry(src, server.url(BUCKET, prefix));
    expect(again.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 3, FilesFailed: 0 });
    expect(rewrites(again)).toEqual([]);

    // Down and back up: rclone's times reach the disk, and the way back rewrites nothing.
    const down = await dataferry(server.url(BUCKET, prefix), dst);
    expect(down.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 0 });
    for (const file of FILES) {
      const off = nsOf(path.join(dst, file)) - nsOf(path.join(src, file));
      expect(off < 1000n && off > -1000n, `${file} off by ${off} ns`).toBe(true);
    }
    for (const folder of folders(dst)) {
      expect(lstatSync(path.join(dst, folder)).mtimeMs, folder).toBeGreaterThan(
        Date.now() - 60_000,
      );
    }
    const back = await dataferry(dst, server.url(BUCKET, prefix));
    expect(back.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 3, FilesFailed: 0 });
    expect(rewrites(back)).toEqual([]);
    expect(await Promise.all(FILES.map((f) => head(`${prefix}/${f}`)))).toEqual(heads);
    expect(await server.listKeys(BUCKET, `${prefix}/`)).toEqual(FILES.map((f) => `${prefix}/${f}`));
  }, 120_000);

  it('DataFerry then rclone: both conventions to the nanosecond, and rclone copies and re-stamps nothing', async () => {
    await makeTree(src);
    const prefix = freshPrefix();
    const up = await dataferry(src, server.url(BUCKET, prefix));
    expect(up.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 0 });
    const uid = String(process.getuid?.() ?? 0);
    for (const file of FILES) {
      const ns = nsOf(path.join(src, file));
      const mode = (lstatSync(path.join(src, file)).mode & 0o7777).toString(8);
      expect((await head(`${prefix}/${file}`)).Metadata, file).toMatchObject({
        mtime: rcloneTime(ns),
        'file-mtime': `${ns}ns`,
        mode: `100${mode}`,
        'file-permissions': `0100${mode}`,
        uid,
        'file-owner': uid,
      });
    }
    const heads = await Promise.all(FILES.map((f) => head(`${prefix}/${f}`)));

    const log = await rclone(['copy', src, `fx:${BUCKET}/${prefix}`]);
    expect(rcloneActions(log), log).toEqual({ copied: 0, restamped: 0 });
    expect(log).toMatch(/There was nothing to transfer/);
    expect(await Promise.all(FILES.map((f) => head(`${prefix}/${f}`)))).toEqual(heads);
  }, 120_000);

  it('writes only the conventions the location names (metadataKeys)', async () => {
    await writeFile(path.join(src, 'one.txt'), '1');
    const prefix = freshPrefix();
    const only = `${server.url(BUCKET, prefix)}&metadataKeys=datasync`;
    await dataferry(src, only);
    const meta = (await head(`${prefix}/one.txt`)).Metadata;
    expect(Object.keys(meta).sort()).toEqual([
      'file-atime',
      'file-group',
      'file-mtime',
      'file-owner',
      'file-permissions',
    ]);
    // Read back as well as rclone's: a re-run is unchanged.
    const again = await dataferry(src, only);
    expect(again.counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 1 });
    expect(rewrites(again)).toEqual([]);
  }, 120_000);
});
