import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocation } from '../../src-main/locations/registry';
import { tempDir } from '../support/engine-harness';
import { runCli, type CliRun } from '../support/run-cli';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * The real `dataferry` command against Samba (its defaults, and hardened: SMB 3 only, signing
 * mandatory, encryption required), checked with an independent client (Samba's smbclient)
 * and on the shared folder's disk.
 */

const run = promisify(execFile);
let plain: RunningSmbServer;
let hardened: RunningSmbServer;
let src: string;
let dst: string;
let data: string;
let cleanup: (() => Promise<void>)[] = [];
let count = 0;

beforeAll(async () => {
  [plain, hardened] = await Promise.all([startSmbServer(), startSmbServer({ hardened: true })]);
}, 60_000);
afterAll(async () => {
  await plain?.stop();
  await hardened?.stop();
});
beforeEach(async () => {
  const dirs = await Promise.all([tempDir('smb-src'), tempDir('smb-dst'), tempDir('smb-data')]);
  [src, dst, data] = dirs.map((d) => d.dir) as [string, string, string];
  cleanup = dirs.map((d) => d.remove);
});
afterEach(async () => {
  for (const c of cleanup) await c();
});

function url(server: RunningSmbServer, folder: string, query = '?domain=TESTGROUP'): string {
  return `smb://${server.user}@127.0.0.1:${server.port}/${server.share}/${folder}${query}`;
}

function dataferry(args: string[], password: string): Promise<CliRun> {
  return runCli(args, { dataDir: data, env: { DATAFERRY_SMB_PASSWORD: password } });
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

/** path -> kind, size, sha-256 prefix and mtime (ms): what an SMB round trip keeps. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const info = statSync(path.join(root, p));
      if (info.isDirectory()) {
        out[p] = 'dir';
        walk(p);
      } else {
        const hash = createHash('sha256')
          .update(readFileSync(path.join(root, p)))
          .digest('hex');
        out[p] = `file ${info.size} ${hash.slice(0, 16)} ${Math.floor(info.mtimeMs)}`;
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

async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'photos/2024/empty'), { recursive: true });
  await mkdir(path.join(root, 'docs with spaces'));
  await writeFile(path.join(root, 'photos/2024/ünïcødé 写真.jpg'), Buffer.alloc(70_000, 3));
  await writeFile(path.join(root, 'docs with spaces/notes (draft) #1.txt'), 'notes');
  await writeFile(path.join(root, 'zero'), '');
  const big = Buffer.alloc(9 * 1024 * 1024 + 5);
  for (let i = 0; i + 4 <= big.length; i += 4096) big.writeUInt32LE(i, i);
  await writeFile(path.join(root, 'photos/big.raw'), big);
  await utimes(
    path.join(root, 'zero'),
    new Date('2020-01-01'),
    new Date('2020-01-01T01:02:03.456Z'),
  );
}

describe.each([
  ['Samba defaults', () => plain],
  ['hardened Samba (encrypted)', () => hardened],
])('dataferry with SMB: %s', (_name, server) => {
  it('round-trips local -> SMB -> local: smbclient sees the files, diff -r finds nothing, re-runs move nothing', async () => {
    const s = server();
    await makeTree(src);
    const folder = `t${++count}`;
    const up = await dataferry(
      ['run', '--from', src, '--to', url(s, folder), '--json'],
      s.password,
    );
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({
      FilesTransferred: 4,
      FilesVerified: 4,
      FilesFailed: 0,
    });
    const { stdout: listing } = await run('smbclient', [
      '-p',
      String(s.port),
      `//127.0.0.1/${s.share}`,
      '-U',
      `${s.user}%${s.password}`,
      '-c',
      `recurse ON; ls ${folder}\\*`,
    ]);
    expect(listing).toMatch(/big\.raw\s+A\s+9437189/);
    expect(listing).toMatch(/notes \(draft\) #1\.txt\s+A\s+5/);
    expect(
      await readFile(path.join(s.root, folder, 'docs with spaces/notes (draft) #1.txt'), 'utf8'),
    ).toBe('notes');

    const down = await dataferry(
      ['run', '--from', url(s, folder), '--to', dst, '--json'],
      s.password,
    );
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(snapshot(dst)).toEqual(snapshot(src));
    await expect(run('diff', ['-r', src, dst])).resolves.toBeDefined();

    const again = await dataferry(
      ['run', '--from', src, '--to', url(s, folder), '--json'],
      s.password,
    );
    expect(parsed(again).counters).toMatchObject({ FilesTransferred: 0, FilesSkipped: 4 });
  }, 120_000);

  it('names a wrong password (auth-failed) and a missing share (not-found)', async () => {
    const s = server();
    await writeFile(path.join(src, 'a.txt'), 'a');
    const wrong = await dataferry(
      ['run', '--from', src, '--to', url(s, 'x'), '--json'],
      'not-the-password',
    );
    expect(wrong.code).toBe(1);
    expect(parsed(wrong).error).toMatchObject({
      code: 'auth-failed',
      message: expect.stringContaining('STATUS_LOGON_FAILURE'),
    });
    const missing = await dataferry(
      ['run', '--from', src, '--to', `smb://${s.user}@127.0.0.1:${s.port}/nope/x`, '--json'],
      s.password,
    );
    expect(parsed(missing).error).toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('STATUS_BAD_NETWORK_NAME'),
    });
  });
});

describe('dataferry with SMB: a large file', () => {
  it('moves a 1 GiB file each way over an encrypted session with matching checksums', async () => {
    const s = hardened;
    const file = path.join(src, 'one-gib.bin');
    const block = Buffer.alloc(1024 * 1024);
    const handle = await open(file, 'w');
    const expected = createHash('sha256');
    for (let i = 0; i < 1024; i++) {
      block.fill(i % 251);
      block.writeUInt32LE(i, 0);
      expected.update(block);
      await handle.write(block);
    }
    await handle.close();
    const sum = expected.digest('hex');
    const folder = `big${++count}`;
    const up = await dataferry(
      ['run', '--from', src, '--to', url(s, folder), '--json'],
      s.password,
    );
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(parsed(up).counters).toMatchObject({ FilesVerified: 1, BytesVerified: 1024 ** 3 });
    expect(await sha256File(path.join(s.root, folder, 'one-gib.bin'))).toBe(sum);
    const down = await dataferry(
      ['run', '--from', url(s, folder), '--to', dst, '--json'],
      s.password,
    );
    expect(parsed(down).counters).toMatchObject({ FilesVerified: 1, BytesWritten: 1024 ** 3 });
    expect(await sha256File(path.join(dst, 'one-gib.bin'))).toBe(sum);
  }, 300_000);
});

describe('SMB location when the server goes away', () => {
  it('logs on again after the server restarts, and names the server while it is gone', async () => {
    const s = plain;
    await mkdir(path.join(s.root, 'restart'), { recursive: true });
    await writeFile(path.join(s.root, 'restart', 'a.txt'), 'a');
    s.giveToUser(path.join(s.root, 'restart'));
    const location = createLocation(
      {
        kind: 'smb',
        server: '127.0.0.1',
        port: s.port,
        share: s.share,
        path: 'restart',
        domain: 'TESTGROUP',
        user: s.user,
        version: 'AUTOMATIC',
      },
      { password: s.password },
    );
    const live = (): AbortSignal => new AbortController().signal;
    try {
      expect((await location.list('', live())).map((e) => e.path)).toEqual(['a.txt']);
      await s.kill();
      await expect(location.list('', live())).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringContaining(`127.0.0.1:${s.port}`),
      });
      await s.restart();
      expect((await location.list('', live())).map((e) => e.path)).toEqual(['a.txt']);
    } finally {
      await location.close();
    }
  }, 60_000);
});
