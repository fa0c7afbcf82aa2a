import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSmbLocation } from '../../src-main/locations/smb/create-smb-location';
import { Command } from '../../src-main/protocols/smb2/smb2-header';
import { tempDir } from '../support/engine-harness';
import { startImpacketServer, type RunningImpacketServer } from '../support/impacket-server';
import { runCli, type CliRun } from '../support/run-cli';
import { startCountingProxy } from '../support/smb-counting-proxy';

/*
 * The real `dataferry` command against a second SMB server, impacket's (issue 15, item 10):
 * not Samba's code, SMB 2.1 at most, and sloppy where real servers can be. Its CLOSE answers
 * without the POSTQUERY attributes, it refuses OPEN_IF on a folder that exists, and it signs
 * each answer of a compound chain before it chains them. Each copy is checked by SHA-256 at
 * both ends, the counters against the files on disk, and the output for a status the server
 * never sent (DataFerry used to invent STATUS_INVALID_PARAMETER and say "the server refused").
 */

let server: RunningImpacketServer;
let src: string;
let dst: string;
let data: string;
let cleanup: (() => Promise<void>)[] = [];
let count = 0;

beforeAll(async () => {
  server = await startImpacketServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
beforeEach(async () => {
  const dirs = await Promise.all([tempDir('imp-src'), tempDir('imp-dst'), tempDir('imp-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

function url(folder: string): string {
  return `smb://${server.user}@127.0.0.1:${server.port}/${server.share}/${folder}`;
}

function dataferry(args: string[]): Promise<CliRun> {
  return runCli([...args, '--json'], {
    dataDir: data,
    env: { DATAFERRY_SMB_PASSWORD: server.password },
  });
}

interface Final {
  status: string;
  counters: Record<string, number>;
  error: { code: string; message: string } | null;
}

function parsed(result: CliRun): Final {
  try {
    return JSON.parse(result.stdout) as Final;
  } catch {
    throw new Error(`no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

/** path -> sha-256 of every file under `root`, and '/' for every folder. */
function hashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(root, p)).isDirectory()) {
        out[p] = '/';
        walk(p);
      } else {
        out[p] = createHash('sha256')
          .update(readFileSync(path.join(root, p)))
          .digest('hex');
      }
    }
  };
  walk('');
  return out;
}

/** Small files (one compound chain each way), one of 3 MiB (streamed), nested folders. */
async function makeTree(root: string): Promise<{ files: number; bytes: number }> {
  await mkdir(path.join(root, 'a/b/c'), { recursive: true });
  await mkdir(path.join(root, 'empty'));
  const files: [string, Buffer][] = [
    ['top.txt', Buffer.from('top\n')],
    ['zero', Buffer.alloc(0)],
    ['a/one.bin', Buffer.alloc(70_000, 1)],
    ['a/b/two.bin', Buffer.alloc(1024 * 1024, 2)],
    ['a/b/c/three.bin', Buffer.alloc(3 * 1024 * 1024 + 7, 3)],
  ];
  for (const [name, bytes] of files) {
    for (let i = 0; i + 4 <= bytes.length; i += 4096) bytes.writeUInt32LE(i ^ bytes.length, i);
    await writeFile(path.join(root, name), bytes);
  }
  return { files: files.length, bytes: files.reduce((sum, [, b]) => sum + b.length, 0) };
}

/** No status the server did not send, no "refused" without one. */
function expectNoInventedStatus(result: CliRun): void {
  expect(result.stdout + result.stderr).not.toMatch(/STATUS_INVALID_PARAMETER|server refused/);
}

describe("dataferry with impacket's SMB server", () => {
  it('copies a tree local -> SMB: bytes by hash on its disk, counters as the files, nothing left', async () => {
    const tree = await makeTree(src);
    const folder = `up${++count}`;
    const up = await dataferry(['run', '--from', src, '--to', url(folder)]);
    expectNoInventedStatus(up);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({
      FilesTransferred: tree.files,
      FilesVerified: tree.files,
      FilesFailed: 0,
      BytesWritten: tree.bytes,
    });
    // Byte for byte, and no temporary left beside them.
    expect(hashes(path.join(server.root, folder))).toEqual(hashes(src));
  }, 120_000);

  it('copies a tree SMB -> local: bytes by hash, counters as the files (CLOSE without attributes)', async () => {
    const folder = `down${++count}`;
    const tree = await makeTree(path.join(server.root, folder));
    const down = await dataferry(['run', '--from', url(folder), '--to', dst]);
    expectNoInventedStatus(down);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(parsed(down).counters).toMatchObject({
      FilesTransferred: tree.files,
      FilesVerified: tree.files,
      FilesFailed: 0,
      BytesWritten: tree.bytes,
    });
    expect(hashes(dst)).toEqual(hashes(path.join(server.root, folder)));
  }, 120_000);

  it('writes under folders that exist already (impacket refuses OPEN_IF on them), and re-runs', async () => {
    const tree = await makeTree(src);
    const folder = `exists${++count}`;
    // The location's own folder is missing under one that exists; the tree's folders exist
    // at the destination on the second run.
    await mkdir(path.join(server.root, folder), { recursive: true });
    const target = url(`${folder}/deeper/still`);
    const first = await dataferry(['run', '--from', src, '--to', target]);
    expectNoInventedStatus(first);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await writeFile(path.join(src, 'a/b/c/new.txt'), 'new');
    const second = await dataferry(['run', '--from', src, '--to', target]);
    expectNoInventedStatus(second);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const counters = parsed(second).counters;
    // impacket keeps no times a client sets (docs/smb.md), so unchanged files may copy again:
    // every file is either transferred or skipped, none failed.
    expect(counters.FilesFailed).toBe(0);
    expect((counters.FilesTransferred ?? 0) + (counters.FilesSkipped ?? 0)).toBe(tree.files + 1);
    expect(hashes(path.join(server.root, folder, 'deeper/still'))).toEqual(hashes(src));
  }, 120_000);

  it('on the wire: a small file up in 2 round trips, down in 2 (attributes asked after the CLOSE), a folder in 1', async () => {
    const proxy = await startCountingProxy(server.port);
    const folder = `wire${++count}`;
    await mkdir(path.join(server.root, folder));
    const location = createSmbLocation(
      {
        kind: 'smb',
        server: '127.0.0.1',
        port: proxy.port,
        share: server.share,
        path: folder,
        domain: '',
        user: server.user,
        version: 'AUTOMATIC',
      },
      { password: server.password },
      `SMB //127.0.0.1/${server.share}/${folder}`,
    );
    const live = (): AbortSignal => AbortSignal.timeout(30_000);
    const frames = (): number[][] => {
      const out: number[][] = [];
      for (const r of proxy.requests) (out[r.frame] ??= []).push(r.command);
      return out.filter(Boolean);
    };
    try {
      await location.connect(live());
      const data = Buffer.alloc(4096, 5);
      proxy.reset();
      await location.write('small.bin', Readable.from([data]), { size: data.length }, live());
      // The chains work (their answers signed before chaining are accepted as signed).
      expect(frames()).toEqual([
        [Command.CREATE, Command.WRITE],
        [Command.SET_INFO, Command.CLOSE],
      ]);
      expect(await readFile(path.join(server.root, folder, 'small.bin'))).toEqual(data);
      const [entry] = await location.list('', live());
      proxy.reset();
      const read = await location.read(
        'small.bin',
        { expect: { size: entry!.size, mtimeMs: entry!.mtimeMs } },
        live(),
      );
      const chunks: Buffer[] = [];
      for await (const chunk of read) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks)).toEqual(data);
      // CREATE + READ + CLOSE, whose answer has no attributes: then CREATE + CLOSE for them.
      expect(frames()).toEqual([
        [Command.CREATE, Command.READ, Command.CLOSE],
        [Command.CREATE, Command.CLOSE],
      ]);
      proxy.reset();
      await location.mkdir('made', live());
      await location.mkdir('made', live());
      // New: CREATE (disposition CREATE) + CLOSE. There already: the same, refused with
      // OBJECT_NAME_COLLISION, then CREATE + CLOSE to see that it is a folder.
      expect(frames()).toEqual([
        [Command.CREATE, Command.CLOSE],
        [Command.CREATE, Command.CLOSE],
        [Command.CREATE, Command.CLOSE],
      ]);
    } finally {
      await location.close();
      await proxy.close();
    }
  }, 60_000);
});
