import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  open,
  readdir,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Location } from '../../src-main/locations/location';
import { createNfsLocation } from '../../src-main/locations/nfs/create-nfs-location';
import { RpcClient } from '../../src-main/protocols/nfs3/rpc-client';
import { describeLocation } from '../../src-main/locations/registry';
import type { LocationConfig } from '../../src-shared/model/location-config';
import { tempDir } from '../support/engine-harness';
import { runCli, type CliRun } from '../support/run-cli';
import { removeTree, startNfsServer, type RunningNfsServer } from '../support/nfs-server';

/*
 * The real `dataferry` command and the NFS location against nfs-ganesha, checked with an
 * independent client (libnfs's nfs-ls and nfs-cat) and on the exported folder's disk.
 */

const run = promisify(execFile);
let server: RunningNfsServer;
let src: string;
let dst: string;
let data: string;
let cleanup: (() => Promise<void>)[] = [];
let count = 0;
const live = (): AbortSignal => new AbortController().signal;

beforeAll(async () => {
  server = await startNfsServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  const dirs = await Promise.all([tempDir('nfs-src'), tempDir('nfs-dst'), tempDir('nfs-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

/** A fresh folder name in the export per test. */
function fresh(): string {
  count++;
  return `t${count}-${Date.now().toString(36)}`;
}

function url(folder: string, query = ''): string {
  return `nfs://127.0.0.1:${server.nfsPort}/export/${folder}?mountPort=${server.mountPort}${query}`;
}

function libnfsUrl(rel: string): string {
  return `nfs://127.0.0.1/export/${rel}?nfsport=${server.nfsPort}&mountport=${server.mountPort}&version=3`;
}

function dataferry(args: string[]): Promise<CliRun> {
  return runCli(args, { dataDir: data });
}

function parsed(result: CliRun): {
  status: string;
  counters: Record<string, number>;
  error: { code: string; message: string } | null;
} {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

function config(folder: string, overrides: Partial<LocationConfig> = {}): LocationConfig {
  return {
    kind: 'nfs',
    server: '127.0.0.1',
    port: server.nfsPort,
    mountPort: server.mountPort,
    export: '/export',
    path: folder,
    uid: 0,
    gid: 0,
    version: 'NFS3',
    ...overrides,
  } as LocationConfig;
}

function location(
  folder: string,
  overrides: Partial<LocationConfig> = {},
  timeoutMs?: number,
): Location {
  const c = config(folder, overrides) as Extract<LocationConfig, { kind: 'nfs' }>;
  return createNfsLocation(c, describeLocation(c), { timeoutMs });
}

/** path -> kind, size, sha-256 prefix, mtime (ms), mode and owner: what a round trip keeps. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const info = lstatSync(path.join(root, p));
      const meta = `${(info.mode & 0o7777).toString(8)} ${info.uid}:${info.gid}`;
      if (info.isSymbolicLink()) {
        out[p] = `link ${readlinkSync(path.join(root, p))}`;
      } else if (info.isDirectory()) {
        out[p] = `dir ${meta}`;
        walk(p);
      } else {
        const hash = createHash('sha256')
          .update(readFileSync(path.join(root, p)))
          .digest('hex');
        out[p] = `file ${info.size} ${hash.slice(0, 16)} ${Math.floor(info.mtimeMs)} ${meta}`;
      }
    }
  };
  walk('');
  return out;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A GiB-scale file whose every MiB differs; resolves with its SHA-256. */
async function writeBigFile(file: string, mib: number): Promise<string> {
  const block = Buffer.alloc(1024 * 1024);
  const handle = await open(file, 'w');
  const hash = createHash('sha256');
  for (let i = 0; i < mib; i++) {
    block.fill(i % 251);
    block.writeUInt32LE(i, 0);
    hash.update(block);
    await handle.write(block);
  }
  await handle.close();
  return hash.digest('hex');
}

describe('dataferry with NFS (nfs-ganesha)', () => {
  it('round-trips local -> NFS -> local: nfs-ls sees the files, sizes and modes, owners and mtimes are kept, diff -r finds nothing, re-runs move nothing', async () => {
    await mkdir(path.join(src, 'photos/2024/empty'), { recursive: true });
    await mkdir(path.join(src, 'docs with spaces'));
    await writeFile(path.join(src, 'photos/2024/ünïcødé 写真.jpg'), Buffer.alloc(70_000, 3));
    await writeFile(path.join(src, 'docs with spaces/notes (draft) #1.txt'), 'notes');
    await writeFile(path.join(src, 'zero'), '');
    const big = Buffer.alloc(5 * 1024 * 1024 + 5);
    for (let i = 0; i + 4 <= big.length; i += 4096) big.writeUInt32LE(i, i);
    await writeFile(path.join(src, 'photos/big.raw'), big);
    await symlink('../zero', path.join(src, 'photos/link-to-zero'));
    await chmod(path.join(src, 'docs with spaces/notes (draft) #1.txt'), 0o600);
    await chmod(path.join(src, 'photos/2024'), 0o750);
    await chown(path.join(src, 'photos/big.raw'), 1234, 5678);
    await utimes(
      path.join(src, 'zero'),
      new Date('2020-01-01'),
      new Date('2020-01-01T01:02:03.456Z'),
    );
    const folder = fresh();

    const up = await dataferry(['run', '--from', src, '--to', url(folder), '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({ FilesTransferred: 5, FilesFailed: 0 });

    // What an independent client sees.
    const { stdout: listing } = await run('nfs-ls', ['-R', libnfsUrl(folder)]);
    const seen = Object.fromEntries(
      listing
        .trim()
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .map((f) => [f.slice(5).join(' '), `${f[0]} ${f[4]} ${f[2]}:${f[3]}`]),
    );
    expect(seen).toMatchObject({
      'photos/2024/ünïcødé 写真.jpg': '-rw-r--r-- 70000 0:0',
      'docs with spaces/notes (draft) #1.txt': '-rw------- 5 0:0',
      'photos/big.raw': `-rw-r--r-- ${big.length} 1234:5678`,
      zero: '-rw-r--r-- 0 0:0',
      'photos/2024': expect.stringMatching(/^drwxr-x--- /),
      'photos/link-to-zero': expect.stringMatching(/^lrwxrwxrwx /),
    });
    const { stdout: notes } = await run('nfs-cat', [
      libnfsUrl(`${folder}/docs with spaces/notes (draft) #1.txt`),
    ]);
    expect(notes).toBe('notes');
    const onServer = await stat(path.join(server.root, folder, 'zero'));
    expect(onServer.mtimeMs).toBe(new Date('2020-01-01T01:02:03.456Z').getTime());
    expect(onServer.atimeMs).toBe(new Date('2020-01-01').getTime()); // Atime=BEST_EFFORT

    const down = await dataferry(['run', '--from', url(folder), '--to', dst, '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(snapshot(dst)).toEqual(snapshot(src));
    await expect(run('diff', ['-r', '--no-dereference', src, dst])).resolves.toBeDefined();

    // ganesha's VFS backend ignores a SETATTR of a symlink's times (knfsd applies them): the
    // link's time is set again on every run, metadata only. Nothing else moves.
    const again = await dataferry(['run', '--from', src, '--to', url(folder), '--json']);
    expect(parsed(again).counters).toMatchObject({
      FilesTransferred: 0,
      BytesWritten: 0,
      FilesSkipped: 4,
    });
    const back = await dataferry(['run', '--from', url(folder), '--to', dst, '--json']);
    expect(parsed(back).counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 5 });
  }, 120_000);

  it('moves a 1 GiB file each way with matching checksums', async () => {
    const expected = await writeBigFile(path.join(src, 'one-gib.bin'), 1024);
    const folder = fresh();
    const up = await dataferry(['run', '--from', src, '--to', url(folder), '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({ FilesVerified: 1, BytesVerified: 1024 ** 3 });
    expect(await sha256File(path.join(server.root, folder, 'one-gib.bin'))).toBe(expected);
    const down = await dataferry(['run', '--from', url(folder), '--to', dst, '--json']);
    expect(parsed(down).counters).toMatchObject({ FilesVerified: 1, BytesWritten: 1024 ** 3 });
    expect(await sha256File(path.join(dst, 'one-gib.bin'))).toBe(expected);
    expect(await readdir(dst)).toEqual(['one-gib.bin']);
  }, 300_000);

  it('lists a folder of 10,000 entries completely, over many READDIRPLUS pages', async () => {
    const folder = fresh();
    const many = path.join(server.root, folder, 'many');
    await mkdir(many, { recursive: true });
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) =>
          writeFile(path.join(many, `entry-${String(i + j).padStart(5, '0')}.txt`), `${i + j}`),
        ),
      );
    }
    const loc = location(folder);
    try {
      const entries = await loc.list('many', live());
      expect(entries).toHaveLength(10_000);
      expect(new Set(entries.map((e) => e.path)).size).toBe(10_000);
      expect(entries.find((e) => e.path === 'many/entry-09999.txt')).toMatchObject({
        type: 'file',
        size: 4,
      });
    } finally {
      await loc.close();
    }
  }, 120_000);

  it('names a missing export, and a missing folder in it, as not-found', async () => {
    await writeFile(path.join(src, 'a.txt'), 'a');
    const noExport = await dataferry([
      'run',
      '--from',
      `nfs://127.0.0.1:${server.nfsPort}/no-such-export/x?mountPort=${server.mountPort}`,
      '--to',
      dst,
      '--json',
    ]);
    expect(noExport.code).toBe(1);
    expect(parsed(noExport).error).toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(
        /Export not found: NFS 127\.0\.0\.1:\/no-such-export\/x \(the server exports \/export\)/,
      ),
    });
    const noFolder = await dataferry([
      'run',
      '--from',
      url('no-such-folder'),
      '--to',
      dst,
      '--json',
    ]);
    expect(parsed(noFolder).error).toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('127.0.0.1:/export/no-such-folder'),
    });
  });

  it('writes a small file in four calls (CREATE, one FILE_SYNC WRITE, SETATTR, RENAME), as a uid that is not root, read-only mode and times kept', async () => {
    const folder = fresh();
    await mkdir(path.join(server.root, folder));
    await chown(path.join(server.root, folder), 4321, 4321);
    const loc = location(folder, { uid: 4321, gid: 4321 });
    const procedures: number[] = [];
    const call = RpcClient.prototype.call;
    const spy = vi.spyOn(RpcClient.prototype, 'call').mockImplementation(function (
      this: RpcClient,
      program,
      version,
      procedure,
      args,
      signal,
    ) {
      if (program === 100003) procedures.push(procedure);
      return call.call(this, program, version, procedure, args, signal);
    });
    try {
      await loc.stat('', live()); // the session, the folder's handle
      procedures.length = 0;
      const body = Buffer.alloc(4096, 7);
      const mtimeMs = Date.parse('2024-02-03T04:05:06.789Z');
      await loc.write(
        'small.bin',
        Readable.from([body]),
        { size: body.length, metadata: { mode: 0o444, mtimeMs, atimeMs: mtimeMs } },
        live(),
      );
      // CREATE 8, WRITE 7, SETATTR 2, RENAME 14: no COMMIT, no second SETATTR.
      expect(procedures).toEqual([8, 7, 2, 14]);
      const file = path.join(server.root, folder, 'small.bin');
      expect(readFileSync(file).equals(body)).toBe(true);
      const info = await stat(file);
      expect(info.mode & 0o7777).toBe(0o444);
      expect(info.uid).toBe(4321);
      expect(info.mtimeMs).toBe(mtimeMs);
      expect(await readdir(path.join(server.root, folder))).toEqual(['small.bin']);
    } finally {
      spy.mockRestore();
      await loc.close();
      // Back to ours, for the clean-up (which may not write in another user's folder).
      await chown(path.join(server.root, folder), 0, 0);
    }
  });

  it('says permission-denied for a folder the uid may not read or write', async () => {
    const folder = fresh();
    await mkdir(path.join(server.root, folder, 'private'), { recursive: true });
    await mkdir(path.join(server.root, folder, 'readonly'));
    await chmod(path.join(server.root, folder, 'private'), 0o700);
    await chmod(path.join(server.root, folder, 'readonly'), 0o755);
    const loc = location(folder, { uid: 4321, gid: 4321 });
    try {
      await expect(loc.list('private', live())).rejects.toMatchObject({
        code: 'permission-denied',
        message: expect.stringContaining(`/export/${folder}/private`),
      });
      await expect(
        loc.write('readonly/new.txt', Readable.from([Buffer.from('x')]), {}, live()),
      ).rejects.toMatchObject({ code: 'permission-denied' });
      expect(await readdir(path.join(server.root, folder, 'readonly'))).toEqual([]);
      // Found when the location is opened, not in the middle of a run.
      const rooted = location(`${folder}/private`, { uid: 4321, gid: 4321 });
      await expect(rooted.connect(live())).rejects.toMatchObject({
        code: 'permission-denied',
        message: expect.stringContaining('uid 4321'),
      });
      await rooted.close();
    } finally {
      await loc.close();
    }
  });
});

describe('NFS location when the server fails mid-write', () => {
  /** A source of `mib` MiB, one MiB every `delayMs`, calling `at(i)` before MiB i. */
  function slowSource(
    mib: number,
    delayMs: number,
    at: (i: number) => Promise<void>,
  ): {
    stream: Readable;
    sha256: string;
  } {
    const hash = createHash('sha256');
    const blocks: Buffer[] = [];
    for (let i = 0; i < mib; i++) {
      const block = Buffer.alloc(1024 * 1024, i % 253);
      block.writeUInt32LE(i, 100);
      blocks.push(block);
      hash.update(block);
    }
    async function* produce(): AsyncGenerator<Buffer> {
      for (let i = 0; i < mib; i++) {
        await at(i);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        yield blocks[i] as Buffer;
      }
    }
    return { stream: Readable.from(produce()), sha256: hash.digest('hex') };
  }

  it('survives a server restart in the middle of a write: the data arrives intact', async () => {
    const folder = fresh();
    await mkdir(path.join(server.root, folder));
    const loc = location(folder);
    try {
      const { stream, sha256 } = slowSource(64, 10, async (i) => {
        if (i !== 20) return;
        await server.kill();
        await server.restart();
      });
      const written = await loc.write(
        'restarted.bin',
        stream,
        { metadata: { mode: 0o640 } },
        live(),
      );
      expect(written).toBe(64 * 1024 * 1024);
      const file = path.join(server.root, folder, 'restarted.bin');
      expect(await sha256File(file)).toBe(sha256);
      expect((await stat(file)).mode & 0o7777).toBe(0o640);
      expect((await readdir(path.join(server.root, folder))).sort()).toEqual(['restarted.bin']);
    } finally {
      await loc.close();
    }
  }, 120_000);

  it('fails with an error naming the server when it is gone, and leaves no file under the final name', async () => {
    const folder = fresh();
    await mkdir(path.join(server.root, folder));
    const loc = location(folder, {}, 3000);
    try {
      const { stream } = slowSource(32, 10, async (i) => {
        if (i === 10) await server.kill();
      });
      const failure = await loc.write('gone.bin', stream, {}, live()).catch((e: unknown) => e);
      expect(failure).toMatchObject({
        code: 'unavailable',
        message: expect.stringContaining(`127.0.0.1:${server.nfsPort}`),
      });
      expect((failure as Error).message).toContain('gone.bin');
      const names = await readdir(path.join(server.root, folder));
      expect(names).not.toContain('gone.bin');
    } finally {
      await loc.close();
      await server.restart();
    }
    // The next writer finds the server again and clears what the failed one left.
    const again = location(folder);
    try {
      expect(await again.removeTemporaries('', live())).toBe(1);
      expect(await readdir(path.join(server.root, folder))).toEqual([]);
    } finally {
      await again.close();
      await removeTree(path.join(server.root, folder));
    }
  }, 120_000);
});
