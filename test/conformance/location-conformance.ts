import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it as vitestIt } from 'vitest';
import type { EntryInfo, HashAlgorithm, Location } from '../../src-main/locations/location';
import { isTemporaryName, temporaryName } from '../../src-main/locations/temp-names';
import { AppError } from '../../src-shared/errors';

/*
 * The one suite every Location passes (rclone's fstests idea). Each test gets a fresh, empty
 * location from the factory. Kinds differ only through their declared capabilities.
 *
 * Range semantics checked here (src-main/locations/read-range.ts): start/end inclusive, end past
 * the last byte clamped, start at or past the end gives an empty stream, a bad range is
 * invalid-input. A write's source stream is destroyed whenever the write fails.
 */

export interface ConformanceFixture {
  location: Location;
  /** Removes everything the fixture made. */
  cleanup(): Promise<void>;
  /** Writes a file directly, bypassing the location, for arranging (parents are created). */
  putFile(path: string, data: Buffer): Promise<void>;
  /** The names in a folder as stored, temporaries included: proves failed writes cleaned up. */
  rawNames(folder: string): Promise<string[]>;
  /**
   * A snapshot of what lies just outside the location's root (names and contents), to prove an
   * unsafe path touched nothing there. Omit where a location has no outside (memory).
   */
  outside?(): Promise<string>;
}

const UNSAFE_PATHS = ['../x', '/abs', 'a/../b', 'a\u0000b', './a', 'a//b', 'a/', '..'];

export interface ConformanceOptions {
  /**
   * Checks a test server is known to fail through no fault of ours, by test title, with the
   * reason (shown in the skipped test's name). A real store must pass everything.
   */
  serverFaults?: Record<string, string>;
  /** The server may keep no hash even though the kind declares one (it then reads back). */
  storedHashesMayBeMissing?: boolean;
}

export function describeLocationConformance(
  name: string,
  makeLocation: () => Promise<ConformanceFixture>,
  options: ConformanceOptions = {},
): void {
  const it = (title: string, fn: () => Promise<void>): void => {
    const fault = options.serverFaults?.[title];
    // A test server's own fault, named by the suite's caller (s3rver's, in s3-s3rver.test.ts):
    // reported as skipped with the reason, never silently passed.
    if (fault) vitestIt.skip(`${title} (skipped: ${fault})`, fn);
    else vitestIt(title, fn);
  };
  describe(`${name} location conformance`, () => {
    let fx: ConformanceFixture;
    let loc: Location;
    const live = (): AbortSignal => new AbortController().signal;

    beforeEach(async () => {
      fx = await makeLocation();
      loc = fx.location;
      await loc.connect(live());
    });
    afterEach(async () => {
      await loc.close();
      await fx.cleanup();
    });

    const write = (path: string, data: Buffer | string, metadata = {}): Promise<number> =>
      loc.write(path, source([Buffer.from(data)]), { metadata }, live());
    const readAll = async (path: string, start?: number, end?: number): Promise<Buffer> =>
      collect(await loc.read(path, { start, end }, live()));
    const names = async (folder: string): Promise<string[]> =>
      (await loc.list(folder, live())).map((e) => e.path).sort();

    it('starts empty, declares sane capabilities, and closes twice without error', async () => {
      expect(await loc.list('', live())).toEqual([]);
      expect((await loc.stat('', live())).type).toBe('dir');
      expect(loc.capabilities.mtimePrecisionMs).toBeGreaterThan(0);
      expect(loc.description.length).toBeGreaterThan(0);
      await loc.close();
      await loc.close();
    });

    it('lists a folder with 1,500 entries, with full relative paths and sizes', async () => {
      const expected: string[] = [];
      for (let i = 0; i < 1500; i++) {
        await fx.putFile(`many/file-${String(i).padStart(4, '0')}.txt`, Buffer.from(`#${i}`));
        expected.push(`many/file-${String(i).padStart(4, '0')}.txt`);
      }
      const entries = await loc.list('many', live());
      expect(entries.map((e) => e.path).sort()).toEqual(expected);
      const one = entries.find((e) => e.path === 'many/file-1234.txt');
      expect(one).toMatchObject({ type: 'file', size: '#1234'.length });
      expect(await names('')).toEqual(['many']);
    });

    it('keeps unicode (NFC, NFD, CJK, emoji) and spaces in names', async () => {
      const written = [
        'caf\u00e9 nfc.txt',
        'cafe\u0301 nfd.txt',
        '文件 中文.txt',
        '😀 emoji.txt',
        'two  spaces here.txt',
      ];
      for (const n of written) await write(n, `content of ${n}`);
      await loc.mkdir('dossier \u00e9t\u00e9', live());
      await write('dossier \u00e9t\u00e9/x.txt', 'inner');
      // Some file systems normalise (HFS+ stores NFD): compare normalised, read by what we wrote.
      const nfc = (list: string[]): string[] => list.map((n) => n.normalize('NFC')).sort();
      expect(nfc(await names(''))).toEqual(nfc([...written, 'dossier \u00e9t\u00e9']));
      for (const n of written) expect((await readAll(n)).toString()).toBe(`content of ${n}`);
      expect((await readAll('dossier \u00e9t\u00e9/x.txt')).toString()).toBe('inner');
    });

    it('keeps empty folders and zero-byte files', async () => {
      await loc.mkdir('empty', live());
      expect(await loc.write('zero.bin', source([]), {}, live())).toBe(0);
      const entries = await loc.list('', live());
      expect(byPath(entries, 'empty')).toMatchObject({ type: 'dir', size: 0 });
      expect(byPath(entries, 'zero.bin')).toMatchObject({ type: 'file', size: 0 });
      expect(await loc.list('empty', live())).toEqual([]);
      expect((await readAll('zero.bin')).length).toBe(0);
      expect((await readAll('zero.bin', 0, 0)).length).toBe(0);
    });

    it('stats files, folders and the root, and reports missing paths as not-found', async () => {
      const before = Date.now();
      await write('file.txt', 'hello');
      await loc.mkdir('dir', live());
      const file = await loc.stat('file.txt', live());
      expect(file).toMatchObject({ path: 'file.txt', type: 'file', size: 5 });
      expect(Math.abs(file.mtimeMs - before)).toBeLessThan(60_000);
      expect(await loc.stat('dir', live())).toMatchObject({ path: 'dir', type: 'dir', size: 0 });
      expect(await codeOf(loc.stat('nope', live()))).toBe('not-found');
      expect(await codeOf(loc.stat('dir/nope', live()))).toBe('not-found');
      expect(await codeOf(loc.list('nope', live()))).toBe('not-found');
      expect(await codeOf(loc.list('file.txt', live()))).toBe('not-dir');
      expect(await codeOf(loc.read('nope', {}, live()))).toBe('not-found');
      expect(await codeOf(loc.read('dir', {}, live()))).toBe('is-dir');
    });

    it('reads whole files and inclusive ranges, clamping past the end', async () => {
      const data = pseudoRandom(300_000, 7);
      const n = data.length;
      await write('data.bin', data);
      expect((await readAll('data.bin')).equals(data)).toBe(true);
      expect(await readAll('data.bin', 0, 0)).toEqual(data.subarray(0, 1));
      expect(await readAll('data.bin', 1000, 1999)).toEqual(data.subarray(1000, 2000));
      expect(await readAll('data.bin', n - 1, n - 1)).toEqual(data.subarray(n - 1));
      expect(await readAll('data.bin', 299_000)).toEqual(data.subarray(299_000));
      expect(await readAll('data.bin', undefined, 9)).toEqual(data.subarray(0, 10));
      expect(await readAll('data.bin', n - 10, n + 1000)).toEqual(data.subarray(n - 10));
      expect((await readAll('data.bin', n)).length).toBe(0);
      expect((await readAll('data.bin', n + 5, n + 10)).length).toBe(0);
      for (const range of [{ start: 5, end: 4 }, { start: -1 }, { start: 1.5 }, { end: -2 }]) {
        expect(await codeOf(loc.read('data.bin', range, live()))).toBe('invalid-input');
      }
    });

    it('fails a read stream with cancelled when the signal fires midway', async () => {
      const size = 2_000_000;
      await write('big.bin', pseudoRandom(size, 2));
      const controller = new AbortController();
      const stream = await loc.read('big.bin', {}, controller.signal);
      let received = 0;
      const failure = await (async () => {
        try {
          for await (const chunk of stream) {
            received += (chunk as Buffer).length;
            controller.abort();
          }
        } catch (error) {
          return error;
        }
        return null;
      })();
      expect(failure).toBeInstanceOf(AppError);
      expect((failure as AppError).code).toBe('cancelled');
      expect(received).toBeLessThan(size);
    });

    it('writes streamed sources in many chunks and returns the bytes written', async () => {
      const data = pseudoRandom(1_000_003, 3);
      const chunks = Array.from({ length: 62 }, (_, i) =>
        data.subarray(i * 16_384, (i + 1) * 16_384),
      );
      expect(await loc.write('big.bin', source(chunks), { size: data.length }, live())).toBe(
        data.length,
      );
      expect((await readAll('big.bin')).equals(data)).toBe(true);
      expect(await fx.rawNames('')).toEqual(['big.bin']);
    });

    it('leaves nothing when the source fails, and an existing file untouched', async () => {
      await fx.putFile('keep.txt', Buffer.from('original'));
      const failing = failingSource(new AppError('unavailable', 'source went away'));
      const error = await errorOf(loc.write('keep.txt', failing, {}, live()));
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('unavailable');
      expect(failing.destroyed).toBe(true);
      expect((await readAll('keep.txt')).toString()).toBe('original');

      const plain = await errorOf(
        loc.write('new.txt', failingSource(new Error('boom')), {}, live()),
      );
      expect(plain).toBeInstanceOf(AppError);
      expect(await codeOf(loc.stat('new.txt', live()))).toBe('not-found');
      expect(await names('')).toEqual(['keep.txt']);
      expect(await fx.rawNames('')).toEqual(['keep.txt']);
    });

    it('leaves nothing when a write is aborted midway, and an existing file untouched', async () => {
      await fx.putFile('keep.txt', Buffer.from('original'));
      for (const target of ['keep.txt', 'fresh.txt']) {
        const controller = new AbortController();
        const stalled = stallingSource(pseudoRandom(70_000, 1), () => controller.abort());
        const code = await codeOf(loc.write(target, stalled, {}, controller.signal));
        expect(code).toBe('cancelled');
        expect(stalled.destroyed).toBe(true);
      }
      expect((await readAll('keep.txt')).toString()).toBe('original');
      expect(await codeOf(loc.stat('fresh.txt', live()))).toBe('not-found');
      expect(await fx.rawNames('')).toEqual(['keep.txt']);
    });

    it('replaces a file on overwrite, and two racing writes leave one whole file', async () => {
      await write('f.txt', 'a much longer first version');
      await write('f.txt', 'short');
      expect((await readAll('f.txt')).toString()).toBe('short');
      expect((await loc.stat('f.txt', live())).size).toBe(5);
      const a = pseudoRandom(200_000, 11);
      const b = pseudoRandom(150_000, 12);
      await Promise.all([write('race.bin', a), write('race.bin', b)]);
      const result = await readAll('race.bin');
      expect(result.equals(a) || result.equals(b)).toBe(true);
      expect((await fx.rawNames('')).sort()).toEqual(['f.txt', 'race.bin']);
    });

    it('applies metadata on write', async () => {
      const mtimeMs = 1_600_000_000_123;
      const metadata = { mtimeMs, atimeMs: 1_500_000_000_000, mode: 0o640 };
      await write('meta.txt', 'x', metadata);
      const info = await loc.stat('meta.txt', live());
      expect(Math.abs(info.mtimeMs - mtimeMs)).toBeLessThan(loc.capabilities.mtimePrecisionMs);
      if (loc.capabilities.posixMetadata) expect(info.mode).toBe(0o640);
    });

    it('creates folders with parents idempotently; a file in the way is not-dir', async () => {
      await loc.mkdir('a/b/c', live());
      await loc.mkdir('a/b/c', live());
      await loc.mkdir('a/b', live());
      expect((await loc.stat('a/b', live())).type).toBe('dir');
      expect(await names('a/b')).toEqual(['a/b/c']);
      await write('f', 'x');
      expect(await codeOf(loc.mkdir('f', live()))).toBe('not-dir');
      expect(await codeOf(loc.mkdir('f/sub', live()))).toBe('not-dir');
      expect(await codeOf(write('missing/x.txt', 'x'))).toBe('not-found');
      expect(await codeOf(write('f/x.txt', 'x'))).toBe('not-dir');
      expect(await codeOf(write('a', 'x'))).toBe('is-dir');
      expect((await loc.stat('a', live())).type).toBe('dir');
    });

    it('removes files; a folder is is-dir, a missing file not-found', async () => {
      await write('f.txt', 'x');
      await loc.mkdir('d', live());
      await loc.remove('f.txt', live());
      expect(await codeOf(loc.stat('f.txt', live()))).toBe('not-found');
      expect(await codeOf(loc.remove('f.txt', live()))).toBe('not-found');
      expect(await codeOf(loc.remove('d', live()))).toBe('is-dir');
      expect((await loc.stat('d', live())).type).toBe('dir');
    });

    it('removes only empty folders (leftover temporaries do not count)', async () => {
      await loc.mkdir('d/inner', live());
      await write('f.txt', 'x');
      expect(await codeOf(loc.rmdir('d', live()))).toBe('dir-not-empty');
      expect((await loc.stat('d/inner', live())).type).toBe('dir');
      await loc.rmdir('d/inner', live());
      await loc.rmdir('d', live());
      expect(await codeOf(loc.stat('d', live()))).toBe('not-found');
      expect(await codeOf(loc.rmdir('d', live()))).toBe('not-found');
      expect(await codeOf(loc.rmdir('f.txt', live()))).toBe('not-dir');
      await fx.putFile(`crashed/${temporaryName()}`, Buffer.from('half'));
      expect(await loc.list('crashed', live())).toEqual([]);
      await loc.rmdir('crashed', live());
      expect(await codeOf(loc.stat('crashed', live()))).toBe('not-found');
    });

    it('removes the temporaries of interrupted writes from one folder', async () => {
      await loc.mkdir('w', live());
      await fx.putFile(`w/${temporaryName()}`, Buffer.from('half'));
      await fx.putFile(`w/${temporaryName()}`, Buffer.from('half'));
      await write('w/keep.txt', 'x');
      expect(await loc.removeTemporaries('w', live())).toBe(2);
      expect(await fx.rawNames('w')).toEqual(['keep.txt']);
      expect(await codeOf(loc.removeTemporaries('missing', live()))).toBe('not-found');
    });

    it('copies server-side from another location of its kind, atomically, where it can', async () => {
      const other = await makeLocation();
      try {
        const copied = loc.copyFrom
          ? await loc
              .copyFrom(
                other.location,
                'nothing-there.bin',
                { alongside: async () => undefined },
                live(),
              )
              .then(
                () => 'copied',
                (error: unknown) => (error instanceof AppError ? error.code : 'thrown'),
              )
          : 'unsupported';
        // Either the kind has no server-side copy, or a missing source is reported as such.
        expect(['unsupported', 'not-found']).toContain(copied);
        if (!loc.copyFrom) return;
        const data = pseudoRandom(6 * 1024 * 1024 + 3, 7);
        await other.putFile('src.bin', data);
        const bytes = await loc.copyFrom(
          other.location,
          'src.bin',
          {
            size: data.length,
            metadata: { mtimeMs: 1_600_000_000_000 },
            alongside: async () => undefined,
          },
          live(),
        );
        if (bytes === null) return; // this pair cannot copy server-side: the engine streams
        expect(bytes).toBe(data.length);
        expect((await readAll('src.bin')).equals(data)).toBe(true);
        expect(
          Math.abs((await loc.stat('src.bin', live())).mtimeMs - 1_600_000_000_000),
        ).toBeLessThan(loc.capabilities.mtimePrecisionMs + 1);
        // A failing check alongside the copy leaves nothing under the final name.
        const refused = codeOf(
          loc.copyFrom(
            other.location,
            'src.bin',
            {
              size: data.length,
              alongside: async () => {
                throw new AppError('changed-during-transfer', 'changed');
              },
            },
            live(),
          ),
        );
        await fx.putFile('src.bin', Buffer.from('older'));
        expect(await refused).toBe('changed-during-transfer');
        expect((await readAll('src.bin')).toString()).toBe('older');
        expect(await fx.rawNames('')).toEqual(['src.bin']);
      } finally {
        await other.location.close();
        await other.cleanup();
      }
    });

    it('hides temporary names from listings', async () => {
      const temp = temporaryName();
      expect(isTemporaryName(temp)).toBe(true);
      await fx.putFile(temp, Buffer.from('partial'));
      await write('real.txt', 'x');
      expect(await names('')).toEqual(['real.txt']);
    });

    it('tells onTemporary of the temporaries a listing hides (our writes: S3 has none)', async () => {
      const temp = temporaryName();
      await fx.putFile(`t/${temp}`, Buffer.from('partial'));
      await write('t/real.txt', 'x');
      const heard: string[] = [];
      const listed = await loc.list('t', live(), { onTemporary: (name) => heard.push(name) });
      expect(listed.map((e) => e.path)).toEqual(['t/real.txt']);
      expect(heard).toEqual(loc.kind === 's3' || loc.kind === 'object-storage' ? [] : [temp]);
    });

    it('round-trips metadata through setMetadata within the declared precision', async () => {
      await write('f.txt', 'x');
      await loc.mkdir('d', live());
      for (const [path, mtimeMs] of [
        ['f.txt', 1_234_567_890_456],
        ['d', 1_111_111_111_000],
      ] as const) {
        await loc.setMetadata(path, { mtimeMs }, live());
        const info = await loc.stat(path, live());
        expect(Math.abs(info.mtimeMs - mtimeMs)).toBeLessThan(loc.capabilities.mtimePrecisionMs);
      }
      if (loc.capabilities.posixMetadata) {
        await loc.setMetadata('f.txt', { mode: 0o604 }, live());
        expect((await loc.stat('f.txt', live())).mode).toBe(0o604);
      }
      expect(await codeOf(loc.setMetadata('nope', { mtimeMs: 1 }, live()))).toBe('not-found');
    });

    it('gives stored hashes it declares, correctly, and no wrong ones', async () => {
      const data = pseudoRandom(50_000, 5);
      await write('h.bin', data);
      const known: Partial<Record<HashAlgorithm, string>> = {
        sha256: createHash('sha256').update(data).digest('hex'),
        md5: createHash('md5').update(data).digest('hex'),
      };
      for (const algorithm of ['sha256', 'md5', 'crc32c', 'xxh64'] as const) {
        const hash = await loc.storedHash('h.bin', algorithm, live());
        if (loc.capabilities.storedHashes.includes(algorithm) && !options.storedHashesMayBeMissing)
          expect(hash).not.toBeNull();
        if (hash !== null && known[algorithm]) expect(hash).toBe(known[algorithm]);
      }
    });

    it('refuses unsafe paths with invalid-name and touches nothing', async () => {
      await write('b', 'inside');
      const outsideBefore = await fx.outside?.();
      for (const bad of UNSAFE_PATHS) {
        const src = source([Buffer.from('escaped')]);
        const calls: [string, Promise<unknown>][] = [
          ['stat', loc.stat(bad, live())],
          ['list', loc.list(bad, live())],
          ['read', loc.read(bad, {}, live())],
          ['write', loc.write(bad, src, {}, live())],
          ['mkdir', loc.mkdir(bad, live())],
          ['remove', loc.remove(bad, live())],
          ['rmdir', loc.rmdir(bad, live())],
          ['setMetadata', loc.setMetadata(bad, { mtimeMs: 0 }, live())],
          ['storedHash', loc.storedHash(bad, 'sha256', live())],
          ['symlink', loc.symlink(bad, 'b', live())],
        ];
        for (const [method, call] of calls) {
          expect(`${method}(${JSON.stringify(bad)}): ${await codeOf(call)}`).toBe(
            `${method}(${JSON.stringify(bad)}): invalid-name`,
          );
        }
        expect(src.destroyed).toBe(true);
      }
      expect(await names('')).toEqual(['b']);
      expect((await readAll('b')).toString()).toBe('inside');
      expect(await fx.outside?.()).toBe(outsideBefore);
    });

    it('rejects every call with cancelled once the signal has fired', async () => {
      await write('f.txt', 'x');
      const signal = AbortSignal.abort();
      const src = source([Buffer.from('x')]);
      const calls: Promise<unknown>[] = [
        loc.connect(signal),
        loc.stat('f.txt', signal),
        loc.list('', signal),
        loc.read('f.txt', {}, signal),
        loc.write('g.txt', src, {}, signal),
        loc.mkdir('d', signal),
        loc.remove('f.txt', signal),
        loc.rmdir('d', signal),
        loc.setMetadata('f.txt', { mtimeMs: 0 }, signal),
        loc.storedHash('f.txt', 'sha256', signal),
        loc.symlink('l', 'f.txt', signal),
      ];
      for (const call of calls) expect(await codeOf(call)).toBe('cancelled');
      expect(src.destroyed).toBe(true);
      expect(await names('')).toEqual(['f.txt']);
    });

    it('matches names by the declared case sensitivity', async () => {
      await write('Case.txt', 'upper');
      if (loc.capabilities.caseSensitive) {
        await write('case.txt', 'lower');
        expect(await names('')).toEqual(['Case.txt', 'case.txt']);
        expect((await readAll('Case.txt')).toString()).toBe('upper');
      } else {
        expect((await loc.stat('CASE.TXT', live())).type).toBe('file');
      }
    });

    it('creates, lists and removes symlinks where supported', async () => {
      if (!loc.capabilities.symlinks) {
        expect(await codeOf(loc.symlink('l', 'x', live()))).toBe('not-supported');
        return;
      }
      await write('target.txt', 'pointed at');
      await loc.symlink('link', 'target.txt', live());
      await loc.symlink('dangling', 'missing/elsewhere', live());
      expect(await loc.stat('link', live())).toMatchObject({
        type: 'symlink',
        linkTarget: 'target.txt',
        size: 0,
      });
      const entries = await loc.list('', live());
      expect(byPath(entries, 'dangling')).toMatchObject({
        type: 'symlink',
        linkTarget: 'missing/elsewhere',
      });
      expect(await codeOf(loc.symlink('link', 'other', live()))).toBe('already-exists');
      await loc.remove('link', live());
      expect(await names('')).toEqual(['dangling', 'target.txt']);
      expect((await readAll('target.txt')).toString()).toBe('pointed at');
    });
  });
}

/** A byte source in the given chunks. */
export function source(chunks: Buffer[]): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** A source that gives 64 KiB, then fails with `error`. */
function failingSource(error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(pseudoRandom(65_536, 9));
      } else this.destroy(error);
    },
  });
}

/** A source that gives `first`, then calls `onStall` and waits for ever (until destroyed). */
function stallingSource(first: Buffer, onStall: () => void): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
      } else onStall();
    },
  });
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** The AppError code a promise rejects with, or 'resolved'. A non-AppError fails the test. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await errorOf(promise);
  if (error === undefined) return 'resolved';
  if (error instanceof AppError) return error.code;
  throw new Error(`expected an AppError, got: ${String(error)}`);
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    if (value instanceof Readable) value.destroy();
    return undefined;
  } catch (error) {
    return error ?? new Error('rejected with nothing');
  }
}

/** Deterministic bytes, so a failure is reproducible. */
export function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function byPath(entries: EntryInfo[], path: string): EntryInfo | undefined {
  return entries.find((e) => e.path === path);
}
