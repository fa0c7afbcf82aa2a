import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src-shared/errors';
import { createLocation } from '../../src-main/locations/registry';
import type { Location } from '../../src-main/locations/location';
import { isTemporaryName } from '../../src-main/locations/temp-names';
import { Smb2Client } from '../../src-main/protocols/smb2/smb2-client';
import {
  Access,
  CreateOption,
  Disposition,
  ShareAccess,
  type Smb2Share,
} from '../../src-main/protocols/smb2/smb2-files';
import {
  Fsctl,
  copyChunks,
  encodeCopyChunkCopy,
  limitsOf,
  requestResumeKey,
} from '../../src-main/protocols/smb2/smb2-ioctl';
import { Status, statusName } from '../../src-main/protocols/smb2/smb2-status';
import { tempDir } from '../support/engine-harness';
import { randomFile, sha256File } from '../support/file-hash';
import { runCli } from '../support/run-cli';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * Server-side copy within one Samba share (FSCTL_SRV_COPYCHUNK_WRITE): what Samba answers at
 * the protocol level, SmbLocation.copyFrom between two folders of the share (through a TCP
 * proxy that counts the bytes, to show they stay on the server), and the real `dataferry`
 * command copying SMB -> SMB. Results are checked on the share's disk.
 */

const MiB = 1024 * 1024;
const BIG = 40 * MiB;

let server: RunningSmbServer;
let proxy: CountingProxy;
let count = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startSmbServer();
  proxy = await countingProxy(server.port);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

interface CountingProxy {
  port: number;
  /** Bytes the clients sent to the server, and received from it, so far. */
  sent: number;
  received: number;
  close(): Promise<void>;
}

/** A TCP proxy to smbd on 127.0.0.1 that counts what passes each way. */
async function countingProxy(target: number): Promise<CountingProxy> {
  const sockets = new Set<net.Socket>();
  const counts = { sent: 0, received: 0 };
  const listener = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy(), sockets.delete(s)));
    }
    client.on('data', (d: Buffer) => void (counts.sent += d.length));
    upstream.on('data', (d: Buffer) => void (counts.received += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as net.AddressInfo).port,
    get sent() {
      return counts.sent;
    },
    get received() {
      return counts.received;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

function smbLocation(folder: string, port = proxy.port): Location {
  const location = createLocation(
    {
      kind: 'smb',
      server: '127.0.0.1',
      port,
      share: server.share,
      path: folder,
      domain: 'TESTGROUP',
      user: server.user,
      version: 'AUTOMATIC',
    },
    { password: server.password },
  );
  cleanup.push(() => location.close());
  return location;
}

const live = (): AbortSignal => new AbortController().signal;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Two fresh folders of the share, `a` holding big.bin (40 MiB, random) and empty (0 bytes). */
async function arrange(): Promise<{
  a: string;
  b: string;
  dirA: string;
  dirB: string;
  sum: string;
}> {
  const n = ++count;
  const [a, b] = [`copy${n}/a`, `copy${n}/b`];
  const [dirA, dirB] = [path.join(server.root, a), path.join(server.root, b)];
  await mkdir(dirA, { recursive: true });
  await mkdir(dirB, { recursive: true });
  const sum = await randomFile(path.join(dirA, 'big.bin'), BIG);
  await writeFile(path.join(dirA, 'empty'), '');
  server.giveToUser(path.join(server.root, `copy${n}`));
  return { a, b, dirA, dirB, sum };
}

describe('Samba and FSCTL_SRV_COPYCHUNK_WRITE', () => {
  let client: Smb2Client;
  let share: Smb2Share;
  beforeAll(async () => {
    client = await Smb2Client.connect({
      host: '127.0.0.1',
      port: server.port,
      credentials: { domain: 'TESTGROUP', user: server.user, password: server.password },
    });
    share = await client.share(server.share);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('gives a resume key, answers its limits to a request past them, and copies within them', async () => {
    const { a, b, dirA, dirB, sum } = await arrange();
    const source = await share.create(`${a}\\big.bin`.replace(/\//g, '\\'), {
      access: Access.READ_DATA | Access.READ_ATTRIBUTES,
      disposition: Disposition.OPEN,
      shareAccess: ShareAccess.ALL,
    });
    const target = await share.create(`${b}\\copy.bin`.replace(/\//g, '\\'), {
      access: Access.WRITE_DATA | Access.READ_ATTRIBUTES,
      disposition: Disposition.CREATE,
      options: CreateOption.NON_DIRECTORY_FILE,
    });
    try {
      const key = await requestResumeKey(share, source);
      expect(key).toHaveLength(24);
      // 32 chunks of 2 MiB: past the chunk size Samba takes.
      const tooBig = Array.from({ length: 32 }, (_, i) => ({
        sourceOffset: i * 2 * MiB,
        targetOffset: i * 2 * MiB,
        length: 2 * MiB,
      }));
      const answer = await share.ioctl(
        target,
        Fsctl.SRV_COPYCHUNK_WRITE,
        encodeCopyChunkCopy(key, tooBig),
        12,
      );
      const limits = limitsOf(answer);
      console.info(
        `Samba answered ${statusName(answer.status)} with limits ${JSON.stringify(limits)}`,
      );
      expect(answer.status).toBe(Status.INVALID_PARAMETER);
      expect(limits).toEqual({ maxChunks: 256, maxChunkSize: MiB, maxTotal: 16 * MiB });
      // Asked with limits four times Samba's: copyChunks learns them and goes on within them.
      const started = Date.now();
      const done = await copyChunks(
        share,
        target,
        key,
        [{ sourceOffset: 0, targetOffset: 0, length: BIG }],
        undefined,
        { maxChunks: 1024, maxChunkSize: 4 * MiB, maxTotal: 64 * MiB },
      );
      console.info(`copyChunks: ${done.bytesWritten} bytes in ${Date.now() - started} ms`);
      expect(done).toEqual({ bytesWritten: BIG, limits });
    } finally {
      await share.close(source);
      await share.close(target);
    }
    expect(await sha256File(path.join(dirB, 'copy.bin'))).toBe(sum);
    expect(statSync(path.join(dirA, 'big.bin')).size).toBe(BIG);
  });

  it('refuses a resume key from another connection (Samba 4.17: STATUS_ACCESS_DENIED)', async () => {
    const { a, b } = await arrange();
    const other = await Smb2Client.connect({
      host: '127.0.0.1',
      port: server.port,
      credentials: { domain: 'TESTGROUP', user: server.user, password: server.password },
    });
    try {
      const otherShare = await other.share(server.share);
      const source = await otherShare.create(`${a}\\big.bin`.replace(/\//g, '\\'), {
        access: Access.READ_DATA,
        disposition: Disposition.OPEN,
      });
      const key = await requestResumeKey(otherShare, source);
      const target = await share.create(`${b}\\x.bin`.replace(/\//g, '\\'), {
        access: Access.WRITE_DATA | Access.DELETE,
        disposition: Disposition.CREATE,
        options: CreateOption.NON_DIRECTORY_FILE | CreateOption.DELETE_ON_CLOSE,
      });
      try {
        const refused = await copyChunks(share, target, key, [
          { sourceOffset: 0, targetOffset: 0, length: MiB },
        ]).catch((e: unknown) => e);
        console.info(`a key from another connection: ${String(refused)}`);
        expect(refused).toMatchObject({ name: 'Smb2StatusError' });
      } finally {
        await share.close(target);
      }
    } finally {
      await other.close();
    }
  });
});

/** The names in `dir` that are temporaries of a write. */
function temporaries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter(isTemporaryName) : [];
}

describe('SmbLocation.copyFrom within one share', () => {
  it('copies a 40 MiB file and an empty one on the server: same bytes, times set, no temporary, nothing through the client', async () => {
    const { a, b, dirA, dirB, sum } = await arrange();
    const source = smbLocation(a);
    const destination = smbLocation(b);
    await Promise.all([source.connect(live()), destination.connect(live())]);
    const mtimeMs = Date.parse('2021-03-04T05:06:07.891Z');
    const atimeMs = Date.parse('2022-01-02T03:04:05.678Z');
    const results: Record<string, unknown> = {};
    for (const [name, size] of [
      ['big.bin', BIG],
      ['empty', 0],
    ] as const) {
      const before = { sent: proxy.sent, received: proxy.received };
      let sawTemporary = false;
      const started = Date.now();
      const copied = await destination.copyFrom!(
        source,
        name,
        {
          size,
          metadata: { mtimeMs, atimeMs },
          alongside: async () => {
            // It runs while the server copies: into a temporary, the final name not there yet.
            sawTemporary = temporaries(dirB).length === 1 && !existsSync(path.join(dirB, name));
          },
        },
        live(),
      );
      const tookMs = Date.now() - started;
      const through = {
        sent: proxy.sent - before.sent,
        received: proxy.received - before.received,
      };
      results[name] = { copied, tookMs, ...through };
      expect(copied).toBe(size);
      expect(sawTemporary).toBe(true);
      // A few requests and answers of a few hundred bytes each: not the file.
      expect(through.sent + through.received).toBeLessThan(64 * 1024);
      const info = await stat(path.join(dirB, name));
      expect(info.size).toBe(size);
      expect(Math.abs(info.mtimeMs - mtimeMs)).toBeLessThan(1);
      expect(Math.abs(info.atimeMs - atimeMs)).toBeLessThan(1);
    }
    console.info(`copyFrom, bytes through the proxy: ${JSON.stringify(results)}`);
    expect(await sha256File(path.join(dirB, 'big.bin'))).toBe(sum);
    expect(await sha256File(path.join(dirA, 'big.bin'))).toBe(sum);
    expect(readdirSync(dirB).sort()).toEqual(['big.bin', 'empty']);
    // Through the share as well: the copy lists as a file of its size and the planned time.
    const listed = await destination.list('', live());
    expect(listed.map((e) => [e.path, e.size]).sort()).toEqual([
      ['big.bin', BIG],
      ['empty', 0],
    ]);
  });

  it('replaces an existing file atomically', async () => {
    const { a, b, dirB, sum } = await arrange();
    await writeFile(path.join(dirB, 'big.bin'), 'old contents');
    server.giveToUser(dirB);
    const destination = smbLocation(b);
    const copied = await destination.copyFrom!(
      smbLocation(a),
      'big.bin',
      { size: BIG, alongside: async () => undefined },
      live(),
    );
    expect(copied).toBe(BIG);
    expect(await sha256File(path.join(dirB, 'big.bin'))).toBe(sum);
    expect(temporaries(dirB)).toEqual([]);
  });

  it('resolves null for a source on another server or port, or of another kind', async () => {
    const { a, b, dirB } = await arrange();
    const destination = smbLocation(b);
    const alongside = async (): Promise<void> => {
      throw new Error('alongside must not run when there is no server-side copy');
    };
    // The same smbd reached on its own port rather than through the proxy: another session.
    const otherPort = smbLocation(a, server.port);
    expect(await destination.copyFrom!(otherPort, 'big.bin', { alongside }, live())).toBeNull();
    const otherHost = createLocation(
      {
        kind: 'smb',
        server: 'localhost',
        port: proxy.port,
        share: server.share,
        path: a,
        domain: 'TESTGROUP',
        user: server.user,
        version: 'AUTOMATIC',
      },
      { password: server.password },
    );
    expect(await destination.copyFrom!(otherHost, 'big.bin', { alongside }, live())).toBeNull();
    const local = await tempDir('smbcopy-local');
    cleanup.push(local.remove);
    const localSource = createLocation({ kind: 'local', path: local.dir }, {});
    expect(await destination.copyFrom!(localSource, 'big.bin', { alongside }, live())).toBeNull();
    expect(readdirSync(dirB)).toEqual([]);
  });

  it.each([
    ['as soon as the copy starts', 0],
    ['once the server has written into the temporary', 1],
  ])(
    'an abort %s rejects with cancelled, and leaves no temporary and no file',
    async (_when, bytes) => {
      const { a, b, dirB, dirA, sum } = await arrange();
      const destination = smbLocation(b);
      const controller = new AbortController();
      let temporaryAtAbort = -1;
      const started = Date.now();
      const error = await destination.copyFrom!(
        smbLocation(a),
        'big.bin',
        {
          size: BIG,
          alongside: async () => {
            const size = (): number => {
              const [name] = temporaries(dirB);
              return name ? statSync(path.join(dirB, name)).size : -1;
            };
            for (let i = 0; i < 5000 && size() < bytes; i++) await sleep(1);
            temporaryAtAbort = size();
            controller.abort();
            throw new AppError('cancelled', 'Cancelled: hashing the source');
          },
        },
        controller.signal,
      ).then(
        (n) => new Error(`copyFrom resolved with ${n}`),
        (e: unknown) => e,
      );
      console.info(
        `abort ${_when}: the temporary held ${temporaryAtAbort} bytes; rejected ${Date.now() - started} ms after the start: ${String(error)}`,
      );
      expect(error).toMatchObject({ code: 'cancelled' });
      expect((error as Error).message).toContain('big.bin');
      expect(temporaryAtAbort).toBeGreaterThanOrEqual(bytes);
      // Deleted through its handle before the rejection: nothing to wait for.
      expect(readdirSync(dirB)).toEqual([]);
      expect(await sha256File(path.join(dirA, 'big.bin'))).toBe(sum);
    },
  );

  it('refuses a source of another size than planned, and commits nothing when alongside fails', async () => {
    const { a, b, dirB } = await arrange();
    const destination = smbLocation(b);
    const source = smbLocation(a);
    await expect(
      destination.copyFrom!(
        source,
        'big.bin',
        { size: BIG + 1, alongside: async () => undefined },
        live(),
      ),
    ).rejects.toMatchObject({ code: 'changed-during-transfer' });
    await expect(
      destination.copyFrom!(
        source,
        'big.bin',
        {
          size: BIG,
          alongside: async () => {
            throw new AppError('changed-during-transfer', 'Source file changed');
          },
        },
        live(),
      ),
    ).rejects.toMatchObject({ code: 'changed-during-transfer' });
    await expect(
      destination.copyFrom!(source, 'missing.bin', { alongside: async () => undefined }, live()),
    ).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('/a/missing.bin'),
    });
    expect(readdirSync(dirB)).toEqual([]);
  });
});

describe('SmbLocation.copyFrom on a hardened Samba (SMB 3 only, signed, encrypted)', () => {
  let hardened: RunningSmbServer;
  beforeAll(async () => {
    hardened = await startSmbServer({ hardened: true });
  }, 60_000);
  afterAll(async () => {
    await hardened?.stop();
  });

  it('copies on the server with every request signed and encrypted', async () => {
    const base = path.join(hardened.root, 'h');
    await mkdir(path.join(base, 'a'), { recursive: true });
    await mkdir(path.join(base, 'b'));
    const sum = await randomFile(path.join(base, 'a/big.bin'), BIG);
    hardened.giveToUser(base);
    const at = (folder: string): Location => {
      const location = createLocation(
        {
          kind: 'smb',
          server: '127.0.0.1',
          port: hardened.port,
          share: hardened.share,
          path: `h/${folder}`,
          domain: 'TESTGROUP',
          user: hardened.user,
          version: 'AUTOMATIC',
        },
        { password: hardened.password },
      );
      cleanup.push(() => location.close());
      return location;
    };
    const started = Date.now();
    const copied = await at('b').copyFrom!(
      at('a'),
      'big.bin',
      { size: BIG, alongside: async () => undefined },
      live(),
    );
    console.info(
      `hardened Samba: ${copied} bytes copied on the server in ${Date.now() - started} ms`,
    );
    expect(copied).toBe(BIG);
    expect(await sha256File(path.join(base, 'b/big.bin'))).toBe(sum);
    expect(readdirSync(path.join(base, 'b'))).toEqual(['big.bin']);
  });
});

describe('dataferry run SMB -> SMB on one share', () => {
  it('copies on the server: the files are identical, all verified, and the data was not uploaded', async () => {
    const n = ++count;
    const root = path.join(server.root, `cli${n}`);
    const dirA = path.join(root, 'a');
    await mkdir(path.join(dirA, 'sub/deeper'), { recursive: true });
    const files: Record<string, string> = {
      'big.bin': await randomFile(path.join(dirA, 'big.bin'), BIG),
      'sub/mid.bin': await randomFile(path.join(dirA, 'sub/mid.bin'), 3 * MiB + 17),
      'sub/deeper/small.txt': await randomFile(path.join(dirA, 'sub/deeper/small.txt'), 1234),
      empty: await randomFile(path.join(dirA, 'empty'), 0),
    };
    server.giveToUser(root);
    const data = await tempDir('smbcopy-cli');
    cleanup.push(data.remove);
    const url = (folder: string): string =>
      `smb://${server.user}@127.0.0.1:${proxy.port}/${server.share}/cli${n}/${folder}?domain=TESTGROUP`;
    const before = { sent: proxy.sent, received: proxy.received };
    const started = Date.now();
    const result = await runCli(['run', '--from', url('a'), '--to', url('b'), '--json'], {
      dataDir: data.dir,
      env: { DATAFERRY_SMB_PASSWORD: server.password },
    });
    const tookMs = Date.now() - started;
    const sent = proxy.sent - before.sent;
    const received = proxy.received - before.received;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      status: string;
      counters: Record<string, number>;
    };
    console.info(
      `dataferry SMB -> SMB: ${tookMs} ms; ${sent} bytes sent to the server, ${received} received; counters ${JSON.stringify(summary.counters)}`,
    );
    expect(summary.status).toBe('SUCCESS');
    expect(summary.counters).toMatchObject({
      FilesTransferred: 4,
      FilesVerified: 4,
      FilesFailed: 0,
    });
    for (const [name, sum] of Object.entries(files)) {
      expect(await sha256File(path.join(root, 'b', name)), name).toBe(sum);
    }
    expect(temporaries(path.join(root, 'b'))).toEqual([]);
    // Streamed, every byte would have gone up to the server once: copied there, none did.
    const total = Object.keys(files).reduce(
      (sum, name) => sum + statSync(path.join(dirA, name)).size,
      0,
    );
    expect(sent).toBeLessThan(total / 20);
  }, 120_000);
});
