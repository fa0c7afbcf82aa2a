import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmbLocation } from '../../src-main/locations/smb/create-smb-location';
import type { SmbLocation } from '../../src-main/locations/smb/smb-location';
import { READ_PIECE, WRITE_PIECE } from '../../src-main/locations/smb/smb-io';
import { Command } from '../../src-main/protocols/smb2/smb2-header';
import { tempDir } from '../support/engine-harness';
import { startCountingProxy, type CountingProxy } from '../support/smb-counting-proxy';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * What the SMB location puts on the wire, counted by a proxy in front of Samba (its defaults:
 * signed; hardened: everything encrypted): a small file goes up in two round trips (one
 * compound CREATE + WRITE + SET_INFO for the data, one SET_INFO(rename) + CLOSE) and comes down
 * in one (CREATE + READ + CLOSE); a large one in READs and WRITEs of our piece sizes (within what
 * the server's NEGOTIATE allows). The bytes are checked by SHA-256 against what smbclient reads or wrote.
 */

const run = promisify(execFile);
const servers: Record<string, RunningSmbServer> = {};
const proxies: Record<string, CountingProxy> = {};
// Samba 4.17 offers 8 MiB as MaxReadSize and MaxWriteSize; we send smaller pieces, more of them
// in flight (smb-io.ts says why).
/** The lengths of requests of at most `piece` bytes that carry `total` bytes, in order. */
const requestSizes = (total: number, piece: number): number[] =>
  Array.from({ length: Math.ceil(total / piece) }, (_, i) => Math.min(piece, total - i * piece));

beforeAll(async () => {
  [servers.plain, servers.hardened] = await Promise.all([
    startSmbServer(),
    startSmbServer({ hardened: true }),
  ]);
  for (const which of ['plain', 'hardened'])
    proxies[which] = await startCountingProxy((servers[which] as RunningSmbServer).port);
}, 60_000);
afterAll(async () => {
  for (const proxy of Object.values(proxies)) await proxy.close();
  await servers.plain?.stop();
  await servers.hardened?.stop();
});

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const live = (): AbortSignal => AbortSignal.timeout(60_000);

describe.each(['plain', 'hardened'] as const)('SMB location on the wire (%s Samba)', (which) => {
  /** A fresh folder of the share and a location on it, through the counting proxy. */
  async function setup(): Promise<{ location: SmbLocation; folder: string; disk: string }> {
    const server = servers[which] as RunningSmbServer;
    const folder = `wire-${randomBytes(6).toString('hex')}`;
    const disk = path.join(server.root, folder);
    await mkdir(disk);
    server.giveToUser(disk);
    const location = createSmbLocation(
      {
        kind: 'smb',
        server: '127.0.0.1',
        port: (proxies[which] as CountingProxy).port,
        share: server.share,
        path: folder,
        domain: 'TESTGROUP',
        user: server.user,
        version: 'AUTOMATIC',
      },
      { password: server.password },
      `SMB //127.0.0.1/${server.share}/${folder}`,
    );
    await location.connect(live());
    return { location, folder, disk };
  }

  /** smbclient `args` (-c commands...) against this server, as the test user. */
  async function smbclient(commands: string, cwd: string): Promise<void> {
    const server = servers[which] as RunningSmbServer;
    const protection = which === 'hardened' ? 'encrypt' : 'sign';
    await run(
      'smbclient',
      [
        `//127.0.0.1/${server.share}`,
        '-p',
        String(server.port),
        '-W',
        'TESTGROUP',
        '-U',
        `${server.user}%${server.password}`,
        `--client-protection=${protection}`,
        '-c',
        commands,
      ],
      { cwd },
    );
  }

  const frameCommands = (proxy: CountingProxy): number[][] => {
    const frames: number[][] = [];
    for (const r of proxy.requests) (frames[r.frame] ??= []).push(r.command);
    return frames.filter(Boolean);
  };

  it('writes a 4 KiB file in two round trips, the data in one compound, and reads it in one', async () => {
    const { location, folder } = await setup();
    const proxy = proxies[which] as CountingProxy;
    const data = randomBytes(4096);
    proxy.reset();
    const written = await location.write(
      'small.bin',
      Readable.from([data]),
      { size: data.length, metadata: { mtimeMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678) } },
      live(),
    );
    expect(written).toBe(4096);
    expect(proxy.frames).toBe(2);
    if (which === 'plain') {
      expect(frameCommands(proxy)).toEqual([
        [Command.CREATE, Command.WRITE, Command.SET_INFO],
        [Command.SET_INFO, Command.CLOSE],
      ]);
      // Every element after the first works on the FileId the chain opened.
      expect(proxy.requests.map((r) => r.related)).toEqual([false, true, true, false, true]);
    } else {
      expect(proxy.encryptedFrames).toBe(2);
    }
    // What another client reads is what was written, under the final name only.
    const out = await tempDir('smb-wire-out');
    try {
      await smbclient(`get ${folder}/small.bin small.bin`, out.dir);
      expect(sha256(await readFile(path.join(out.dir, 'small.bin')))).toBe(sha256(data));
      expect((await location.list('', live())).map((e) => e.path)).toEqual(['small.bin']);
      const [entry] = await location.list('', live());
      expect(entry?.mtimeMs).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 678));

      proxy.reset();
      const stream = await location.read(
        'small.bin',
        { expect: { size: 4096, mtimeMs: entry?.mtimeMs as number } },
        live(),
      );
      const read = Buffer.concat(await stream.toArray());
      expect(sha256(read)).toBe(sha256(data));
      expect(proxy.frames).toBe(1);
      if (which === 'plain')
        expect(frameCommands(proxy)).toEqual([[Command.CREATE, Command.READ, Command.CLOSE]]);
    } finally {
      await out.remove();
      await location.close();
    }
  });

  it('writes and reads 20 MB in WRITEs and READs of our piece sizes, as smbclient sees', async () => {
    const { location, folder, disk } = await setup();
    const proxy = proxies[which] as CountingProxy;
    const data = randomBytes(20 * 1000 * 1000);
    const pieces = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
      data.subarray(i * 65536, (i + 1) * 65536),
    );
    proxy.reset();
    await location.write('big.bin', Readable.from(pieces), { size: data.length }, live());
    const out = await tempDir('smb-wire-big');
    try {
      await smbclient(`get ${folder}/big.bin big.bin`, out.dir);
      expect(sha256(await readFile(path.join(out.dir, 'big.bin')))).toBe(sha256(data));
      if (which === 'plain') {
        const writes = proxy.requests.filter((r) => r.command === Command.WRITE);
        const expected = requestSizes(data.length, WRITE_PIECE);
        expect(WRITE_PIECE).toBeGreaterThan(65536);
        expect(writes.map((w) => w.length)).toEqual(expected);
        // One credit per 64 KiB of each request.
        expect(writes.map((w) => w.creditCharge)).toEqual(
          expected.map((n) => Math.ceil(n / 65536)),
        );
      } else {
        expect(proxy.encryptedFrames).toBe(proxy.frames);
      }

      // Down: a file another client put there, read whole.
      const other = randomBytes(20 * 1000 * 1000 + 5);
      await writeFile(path.join(out.dir, 'up.bin'), other);
      await smbclient(`put up.bin ${folder}/up.bin`, out.dir);
      proxy.reset();
      const stream = await location.read('up.bin', { sizeHint: other.length }, live());
      expect(sha256(Buffer.concat(await stream.toArray()))).toBe(sha256(other));
      if (which === 'plain') {
        const reads = proxy.requests.filter((r) => r.command === Command.READ);
        expect(reads.map((r) => r.length)).toEqual(requestSizes(other.length, READ_PIECE));
      }
      expect((await readdir(disk)).sort()).toEqual(['big.bin', 'up.bin']);
    } finally {
      await out.remove();
      await location.close();
    }
  });

  it('makes a folder in one round trip, and one that exists in two, without OPEN_IF', async () => {
    const { location, disk } = await setup();
    const proxy = proxies[which] as CountingProxy;
    proxy.reset();
    await location.mkdir('made', live());
    // CREATE (disposition CREATE) + CLOSE, where OPEN_IF took a CREATE and a CLOSE per segment
    // of the path from the share's root (4 round trips here).
    expect(proxy.frames).toBe(1);
    proxy.reset();
    await location.mkdir('made', live());
    expect(proxy.frames).toBe(2);
    proxy.reset();
    await location.mkdir('a/b/c', live());
    // c and b refused (their parents are missing), a made, then b and c.
    expect(proxy.frames).toBe(5);
    expect((await readdir(path.join(disk, 'a/b'))).sort()).toEqual(['c']);
    await writeFile(path.join(disk, 'file'), 'x');
    await expect(location.mkdir('file', live())).rejects.toMatchObject({ code: 'not-dir' });
    await expect(location.mkdir('file/sub', live())).rejects.toMatchObject({ code: 'not-dir' });
    await location.close();
  });

  it('names the status the server answered in a chain, and leaves nothing behind', async () => {
    const { location, disk } = await setup();
    try {
      // CREATE fails (no such folder): the READ and CLOSE after it fail too, and say nothing.
      await expect(
        location.read('missing/a.bin', { expect: { size: 3, mtimeMs: 0 } }, live()),
      ).rejects.toMatchObject({
        code: 'not-found',
        message: expect.stringMatching(/STATUS_OBJECT_PATH_NOT_FOUND/),
      });
      await expect(
        location.write('missing/a.bin', Readable.from([Buffer.from('abc')]), {}, live()),
      ).rejects.toMatchObject({ code: 'not-found' });
      // The rename of the second round trip fails (a folder is in the way): the temporary goes.
      await mkdir(path.join(disk, 'dir'));
      (servers[which] as RunningSmbServer).giveToUser(disk);
      await expect(
        location.write('dir', Readable.from([Buffer.from('abc')]), { size: 3 }, live()),
      ).rejects.toMatchObject({ code: 'is-dir' });
      // A file that is not the planned version fails; a snapshot is never served.
      await writeFile(path.join(disk, 'f.bin'), 'four');
      (servers[which] as RunningSmbServer).giveToUser(disk);
      await expect(
        location.read('f.bin', { expect: { size: 3, mtimeMs: 0 } }, live()),
      ).rejects.toMatchObject({ code: 'changed-during-transfer' });
      expect((await readdir(disk)).sort()).toEqual(['dir', 'f.bin']);
    } finally {
      await location.close();
    }
  });
});
