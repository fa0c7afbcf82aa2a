import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocation } from '../../src-main/locations/registry';
import { isTemporaryName } from '../../src-main/locations/temp-names';
import { tempDir } from '../support/engine-harness';
import { randomFile, sha256File } from '../support/file-hash';
import { runCli, type CliRun } from '../support/run-cli';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * SMB under faults, against a private Samba (its defaults): a folder of 10,000 entries listed
 * whole, smbd killed (SIGKILL) in the middle of a large file each way with the real `dataferry`
 * command, and a write cancelled mid-file through the location API. Nothing partial may ever
 * appear under a final name, and the next run after a restart must complete and clean up.
 */

const MiB = 1024 * 1024;
/** Large enough that the transfer lasts well past the moment the watcher sees it start. */
const BIG_SIZE = 300 * MiB;
/** A temporary this large means the big file is mid-way: kill then. */
const KILL_AT = 24 * MiB;
/** A failing run must end within this long after the server is gone. */
const FAIL_WITHIN_MS = 90_000;

let s: RunningSmbServer;
/** The big source file, made once (local), and its sha-256. */
let bigDir: { dir: string; remove(): Promise<void> };
let bigSum = '';
const cleanup: (() => Promise<void>)[] = [];
let count = 0;

beforeAll(async () => {
  [s, bigDir] = await Promise.all([startSmbServer(), tempDir('smbf-big')]);
  bigSum = await randomFile(path.join(bigDir.dir, 'big.bin'), BIG_SIZE);
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await bigDir?.remove();
});
beforeEach(async () => {
  // A test that failed between kill() and restart() must not take the next ones down with it.
  if (!(await answers(s.port))) await s.restart();
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const live = (): AbortSignal => new AbortController().signal;

/** The source tree: several small files (some nested, one unicode name) and big.bin. */
async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'sub/deeper'), { recursive: true });
  await writeFile(path.join(root, 'a.txt'), 'alpha\n');
  await writeFile(path.join(root, 'ünïcødé 写真.txt'), 'unicode\n');
  await writeFile(path.join(root, 'sub/b.txt'), 'bravo\n'.repeat(1000));
  await writeFile(path.join(root, 'sub/deeper/c.bin'), randomBytes(200_000));
  copyFileSync(path.join(bigDir.dir, 'big.bin'), path.join(root, 'big.bin'));
}

/** Relative path -> 'dir' or the file's sha-256, every entry under `root` (temporaries too). */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(root, p)).isDirectory()) {
        out[p] = 'dir';
        await walk(p);
      } else {
        out[p] = await sha256File(path.join(root, p));
      }
    }
  };
  await walk('');
  return out;
}

const temporaries = (entries: Record<string, string>): string[] =>
  Object.keys(entries).filter((p) => isTemporaryName(path.posix.basename(p)));

/** Every file under a final name at `dst` is complete: byte-identical with its source. */
async function expectNothingPartial(srcTree: Record<string, string>, dst: string): Promise<void> {
  const got = await tree(dst);
  for (const [p, kind] of Object.entries(got)) {
    if (isTemporaryName(path.posix.basename(p))) continue;
    expect(kind, `${p} at the destination after the failed run`).toBe(srcTree[p]);
  }
}

function url(folder: string): string {
  return `smb://${s.user}@127.0.0.1:${s.port}/${s.share}/${folder}?domain=TESTGROUP`;
}

interface Parsed {
  status: string;
  counters: Record<string, number>;
  error: { code: string; message: string } | null;
}

function parsed(result: CliRun): Parsed {
  try {
    return JSON.parse(result.stdout) as Parsed;
  } catch {
    throw new Error(`no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

/** `dataferry run --from --to --json`, started now; `child` is there to end it if it hangs. */
function startRun(from: string, to: string, data: string) {
  let child: ChildProcess | null = null;
  let exited = false;
  // A short retry window: the server is killed for good here, no restart is coming.
  const done = runCli(['run', '--from', from, '--to', to, '--retry-for', '3', '--json'], {
    dataDir: data,
    env: { DATAFERRY_SMB_PASSWORD: s.password },
    onSpawn: (c) => (child = c),
  }).finally(() => (exited = true));
  return { done, exited: () => exited, kill: () => child?.kill('SIGKILL') };
}

/**
 * Polls `dir` (not recursive) until a temporary there holds at least `bytes`; resolves with
 * its name and size then. Rejects when `gaveUp()` says the run ended first, or after 60 s.
 */
async function temporaryGrownTo(
  dir: string,
  bytes: number,
  gaveUp: () => boolean,
): Promise<{ name: string; size: number }> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !gaveUp()) {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (!isTemporaryName(name)) continue;
      const size = (() => {
        try {
          return statSync(path.join(dir, name)).size;
        } catch {
          return 0; // renamed or removed meanwhile
        }
      })();
      if (size >= bytes) return { name, size };
    }
    await sleep(5);
  }
  throw new Error(`no temporary of ${bytes} bytes appeared in ${dir} while the run lasted`);
}

/** Waits for the run to end, at most `ms`; ends it (SIGKILL) and fails when it does not. */
async function endsWithin(run: ReturnType<typeof startRun>, ms: number): Promise<CliRun> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const result = await Promise.race([run.done, late]);
  clearTimeout(timer);
  if (result === 'late') {
    run.kill();
    const killed = await run.done;
    throw new Error(
      `dataferry still ran ${ms / 1000} s after smbd was killed (a hang):\n${killed.stdout}\n${killed.stderr}`,
    );
  }
  return result;
}

function smbLocation(folder: string) {
  return createLocation(
    {
      kind: 'smb',
      server: '127.0.0.1',
      port: s.port,
      share: s.share,
      path: folder,
      domain: 'TESTGROUP',
      user: s.user,
      version: 'AUTOMATIC',
    },
    { password: s.password },
  );
}

describe('SMB location: a large folder', () => {
  it('lists a folder of 10,000 entries completely, with their sizes', async () => {
    const folder = `many${++count}`;
    const dir = path.join(s.root, folder);
    mkdirSync(dir);
    const expected: Record<string, number> = {};
    const unicode = ['ünïcødé', '写真', 'Ελληνικά', 'emoji 😀', 'ﬁ ligature', 'Ø¥'];
    for (let i = 0; i < 10_000; i++) {
      const name =
        i % 100 === 0
          ? `${unicode[(i / 100) % unicode.length]} ${String(i).padStart(5, '0')}.txt`
          : `file-${String(i).padStart(5, '0')}.dat`;
      const size = i % 37;
      writeFileSync(path.join(dir, name), Buffer.alloc(size, i % 251));
      expected[name] = size;
    }
    s.giveToUser(dir);
    const location = smbLocation(folder);
    try {
      const started = Date.now();
      const entries = await location.list('', live());
      const tookMs = Date.now() - started;
      console.info(`listed ${entries.length} entries over SMB in ${tookMs} ms`);
      expect(entries).toHaveLength(10_000);
      const names = entries.map((e) => e.path).sort();
      expect(names).toEqual(Object.keys(expected).sort());
      expect(new Set(names).size).toBe(10_000);
      const got = Object.fromEntries(entries.map((e) => [e.path, e.size]));
      expect(got).toEqual(expected);
      expect(entries.every((e) => e.type === 'file')).toBe(true);
      // A few by name, unicode ones among them.
      expect(got['file-09999.dat']).toBe(9999 % 37);
      expect(got['ünïcødé 00000.txt']).toBe(0);
      expect(got['写真 00100.txt']).toBe(100 % 37);
      expect(got['emoji 😀 00300.txt']).toBe(300 % 37);
    } finally {
      await location.close();
    }
  }, 120_000);
});

describe('dataferry when smbd is killed mid-file', () => {
  it('local -> SMB: fails within bounds naming the server and file, leaves nothing partial; the next run completes', async () => {
    const src = await local('smbf-src');
    const data = await local('smbf-data');
    await makeTree(src);
    const srcTree = await tree(src);
    const folder = `up${++count}`;
    const share = path.join(s.root, folder);

    const run = startRun(src, url(folder), data);
    const seen = await temporaryGrownTo(share, KILL_AT, run.exited);
    await s.kill();
    const killedAt = Date.now();
    const failed = await endsWithin(run, FAIL_WITHIN_MS);
    const afterKillMs = Date.now() - killedAt;
    const result = parsed(failed);
    console.info(
      `upload: killed smbd with ${seen.size} bytes of big.bin out; the run ended ${afterKillMs} ms later, exit ${failed.code}: ${JSON.stringify(result.error)}`,
    );
    expect(seen.size).toBeLessThan(BIG_SIZE);
    expect(failed.code).toBe(1);
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('unavailable');
    expect(result.error?.message).toContain(`127.0.0.1:${s.port}`);
    // A file that was being written when the server died leads: big.bin, or a small file the
    // other connection had in flight (which one is a race); the one named did not land.
    const named = /^(.+?): /.exec(result.error?.message ?? '')?.[1] ?? '';
    expect(Object.keys(srcTree)).toContain(named);
    expect(existsSync(path.join(share, named))).toBe(false);
    expect(result.error?.message).not.toContain('Verification failed');
    expect(result.counters.FilesFailed).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(share, 'big.bin'))).toBe(false);
    await expectNothingPartial(srcTree, share);

    await s.restart();
    const again = await endsWithin(startRun(src, url(folder), data), 120_000);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(parsed(again).status).toBe('SUCCESS');
    expect(parsed(again).counters.FilesFailed).toBe(0);
    const after = await tree(share);
    expect(after['big.bin']).toBe(bigSum);
    // Byte for byte, and no temporary (the killed run's included) left behind.
    const leftovers = temporaries(after).map(
      (p) => `${p} (${statSync(path.join(share, p)).size} B)`,
    );
    expect(leftovers, `the killed run wrote big.bin to ${seen.name}`).toEqual([]);
    expect(after).toEqual(srcTree);
  }, 180_000);

  it('SMB -> local: fails within bounds, no partial file under a final name; the next run completes and verifies', async () => {
    const dst = await local('smbf-dst');
    const data = await local('smbf-data');
    const folder = `down${++count}`;
    const share = path.join(s.root, folder);
    mkdirSync(share);
    await makeTree(share);
    s.giveToUser(share);
    const srcTree = await tree(share);

    const run = startRun(url(folder), dst, data);
    const seen = await temporaryGrownTo(dst, KILL_AT, run.exited);
    await s.kill();
    const killedAt = Date.now();
    const failed = await endsWithin(run, FAIL_WITHIN_MS);
    const afterKillMs = Date.now() - killedAt;
    const result = parsed(failed);
    console.info(
      `download: killed smbd with ${seen.size} bytes of big.bin in; the run ended ${afterKillMs} ms later, exit ${failed.code}: ${JSON.stringify(result.error)}`,
    );
    expect(seen.size).toBeLessThan(BIG_SIZE);
    expect(failed.code).toBe(1);
    expect(result.status).toBe('ERROR');
    expect(result.error?.code).toBe('unavailable');
    expect(result.error?.message).toContain(`127.0.0.1:${s.port}`);
    expect(result.error?.message).toMatch(/big\.bin|a\.txt|ünïcødé|sub\/b\.txt|c\.bin/);
    expect(existsSync(path.join(dst, 'big.bin'))).toBe(false);
    const left = await tree(dst);
    expect(temporaries(left)).toEqual([]); // a local write removes its temporary on failure
    await expectNothingPartial(srcTree, dst);

    await s.restart();
    const again = await endsWithin(startRun(url(folder), dst, data), 120_000);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(parsed(again)).toMatchObject({ status: 'SUCCESS', error: null });
    expect(parsed(again).counters.FilesFailed).toBe(0);
    expect(parsed(again).counters.FilesVerified).toBeGreaterThanOrEqual(1);
    const after = await tree(dst);
    expect(after['big.bin']).toBe(bigSum);
    expect(temporaries(after)).toEqual([]);
    expect(after).toEqual(srcTree);
  }, 180_000);
});

describe('SMB location: cancel mid-file', () => {
  it('rejects promptly with cancelled and leaves neither the file nor a temporary', async () => {
    const folder = `cancel${++count}`;
    const dir = path.join(s.root, folder);
    mkdirSync(dir);
    s.giveToUser(dir);
    const size = 2048 * MiB;
    let produced = 0;
    const block = randomBytes(MiB);
    const body = new Readable({
      highWaterMark: MiB,
      read() {
        if (produced >= size) return void this.push(null);
        produced += block.length;
        this.push(Buffer.from(block));
      },
    });
    const location = smbLocation(folder);
    const controller = new AbortController();
    try {
      const writing = location.write('huge.bin', body, { size }, controller.signal);
      writing.catch(() => undefined);
      const seen = await temporaryGrownTo(dir, 8 * MiB, () => false);
      controller.abort();
      const abortedAt = Date.now();
      const error = await writing.then(
        (n) => new Error(`the write resolved with ${n} bytes`),
        (e: unknown) => e,
      );
      const tookMs = Date.now() - abortedAt;
      console.info(
        `cancel: aborted with ${seen.size} bytes out (${produced} produced); rejected ${tookMs} ms later: ${String(error)}`,
      );
      expect(error).toMatchObject({ code: 'cancelled' });
      expect((error as Error).message).toContain('huge.bin');
      expect(tookMs).toBeLessThan(5_000);
      expect(produced).toBeLessThan(size);
      // Nothing under the final name, no temporary: on disk and through the share.
      expect(readdirSync(dir)).toEqual([]);
      expect(await location.list('', live())).toEqual([]);
      expect(body.destroyed).toBe(true);
    } finally {
      await location.close();
    }
  }, 60_000);
});

describe('SMB location: a read sees one version of the file', () => {
  it('refuses a file that is not the planned version, and one written to while it is read', async () => {
    const folder = `version${++count}`;
    const dir = path.join(s.root, folder);
    mkdirSync(dir);
    const file = path.join(dir, 'live.bin');
    writeFileSync(file, randomBytes(32 * MiB));
    s.giveToUser(dir);
    const location = smbLocation(folder);
    try {
      const planned = await location.stat('live.bin', live());
      const expectOther = { size: planned.size + 1, mtimeMs: planned.mtimeMs };
      await expect(
        location.read('live.bin', { expect: expectOther }, live()),
      ).rejects.toMatchObject({
        code: 'changed-during-transfer',
        message: expect.stringContaining('since it was listed'),
      });
      // The planned version, but another writer appends once the first bytes arrived.
      const body = await location.read(
        'live.bin',
        { expect: { size: planned.size, mtimeMs: planned.mtimeMs } },
        live(),
      );
      let read = 0;
      const reading = (async () => {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          if (read === 0) writeFileSync(file, 'appended', { flag: 'a' });
          read += chunk.length;
        }
      })();
      await expect(reading).rejects.toMatchObject({
        code: 'changed-during-transfer',
        message: expect.stringContaining('while it was being read'),
      });
      // Unchanged since: the whole file, and the stream ends.
      const again = await location.stat('live.bin', live());
      const whole = await location.read(
        'live.bin',
        { expect: { size: again.size, mtimeMs: again.mtimeMs } },
        live(),
      );
      let total = 0;
      for await (const chunk of whole as AsyncIterable<Buffer>) total += chunk.length;
      expect(total).toBe(32 * MiB + 'appended'.length);
    } finally {
      await location.close();
    }
  }, 60_000);
});
