import { chmodSync, linkSync, mkdirSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileFilter } from '../../../src-main/engine/filters';
import { walkTree, type WalkedEntry } from '../../../src-main/engine/tree-walk';
import {
  BATCH_ENTRIES,
  BATCHES_AHEAD,
  BatchEncoder,
  decodeBatch,
} from '../../../src-main/engine/walk-batch';
import { walkThreadsStarted, walkTreeInThread } from '../../../src-main/engine/walk-thread';
import { LocalLocation } from '../../../src-main/locations/local/local-location';
import { temporaryName } from '../../../src-main/locations/temp-names';
import { AppError } from '../../../src-shared/errors';
import { tempDir } from '../../support/engine-harness';

// PREPARING's walk of a local folder in a thread of its own (the built out/main/walk-worker.js:
// `npm test` builds before it runs the unit tests) against walkTree on this thread: the same
// entries, key for key and in the same order, the same reports, the same errors.

let root: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  await stat(path.resolve(__dirname, '../../../out/main/walk-worker.js')).catch(() => {
    throw new Error('out/main/walk-worker.js is missing: run `npm run build` first');
  });
});

beforeEach(async () => {
  ({ dir: root, remove } = await tempDir('walk'));
});

afterEach(async () => {
  try {
    chmodSync(path.join(root, 'locked'), 0o755);
  } catch {
    // not made by this test
  }
  await remove();
});

const live = (): AbortSignal => new AbortController().signal;

interface Walked {
  /** Each entry as JSON: keys, their order and values. */
  entries: string[];
  events: string[];
  error?: string;
}

const options = (events: string[], includes = '', excludes = '') => ({
  filter: compileFilter(includes, excludes),
  lazyMetadata: true as const,
  onUnreadable: (p: string, e: unknown) =>
    void events.push(`unreadable ${p}: ${(e as AppError).code} ${(e as AppError).message}`),
  onTemporaries: (folder: string, names: string[]) =>
    void events.push(`temporaries ${folder}: ${names.sort().join(',')}`),
});

/**
 * An entry as JSON, keys in their order; the access time of a folder or link left out (a walk
 * reads them, listing the folder and the link's target, so the next walk sees another one).
 */
function asJson(entry: WalkedEntry): string {
  if (entry.type === 'file' || entry.atimeNs === undefined) return JSON.stringify(entry);
  return JSON.stringify({ ...entry, atimeMs: 0, atimeNs: '' });
}

async function drain(walk: AsyncGenerator<WalkedEntry>, out: Walked): Promise<Walked> {
  try {
    for await (const entry of walk) out.entries.push(asJson(entry));
  } catch (error) {
    out.error = error instanceof AppError ? `${error.code}: ${error.message}` : String(error);
  }
  return out;
}

async function here(dir: string, includes = '', excludes = ''): Promise<Walked> {
  const out: Walked = { entries: [], events: [] };
  const location = new LocalLocation(dir, { blockingIo: true });
  return drain(walkTree(location, live(), options(out.events, includes, excludes)), out);
}

async function inThread(dir: string, includes = '', excludes = ''): Promise<Walked> {
  const out: Walked = { entries: [], events: [] };
  const { onUnreadable, onTemporaries } = options(out.events);
  const walk = walkTreeInThread(
    { root: dir, includes, excludes, caseInsensitive: false, temporaries: true },
    live(),
    { onUnreadable, onTemporaries },
  );
  return drain(walk, out);
}

/** A tree with every kind of entry a local listing gives. */
async function hostileTree(): Promise<void> {
  mkdirSync(path.join(root, 'a/b/c'), { recursive: true });
  for (let i = 0; i < 40; i++) await writeFile(path.join(root, `a/f${i}.txt`), `file ${i}`);
  await writeFile(path.join(root, 'a/b/c/deep.txt'), 'deep');
  await writeFile(path.join(root, 'a/b/one'), '1');
  linkSync(path.join(root, 'a/b/one'), path.join(root, 'a/b/two')); // a hard link
  await symlink('../a/b/one', path.join(root, 'link'));
  await symlink('nowhere', path.join(root, 'a/dangling'));
  const sparse = openSync(path.join(root, 'sparse.bin'), 'w');
  ftruncateSync(sparse, 1024 * 1024);
  closeSync(sparse);
  await writeFile(path.join(root, temporaryName()), 'left by a crash');
  await writeFile(path.join(root, 'a/b', temporaryName()), 'left by a crash');
  // A name that is not UTF-8, one holding U+FFFD itself, one with a newline, and one with a
  // character outside the BMP.
  await writeFile(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe])]), 'x');
  await writeFile(path.join(root, 'replacement-\uFFFD.txt'), 'x');
  await writeFile(path.join(root, 'new\nline'), 'x');
  await writeFile(path.join(root, 'emoji-\u{1F600}'), 'x');
  mkdirSync(path.join(root, 'locked'));
  await writeFile(path.join(root, 'locked/secret'), 'x');
  chmodSync(path.join(root, 'locked'), 0o000);
  mkdirSync(path.join(root, 'skipped'));
  await writeFile(path.join(root, 'skipped/x'), 'x');
}

describe('walking a local folder in a thread of its own', () => {
  it('yields what walkTree yields, key for key, with the same reports in the same order', async () => {
    await hostileTree();
    const expected = await here(root, '', '/skipped');
    expect(expected.entries.length).toBeGreaterThan(50);
    expect(expected.events.join('\n')).toMatch(/unreadable locked: permission-denied/);
    expect(expected.events.join('\n')).toMatch(/temporaries a\/b: /);
    expect(expected.entries.join('\n')).toMatch(/not valid UTF-8/);
    expect(expected.entries.join('\n')).toMatch(/"hardLink"/);
    expect(expected.entries.join('\n')).toMatch(/"allocatedBytes"/);
    expect(expected.entries.join('\n')).toContain('replacement-\uFFFD.txt');
    expect(await inThread(root, '', '/skipped')).toEqual(expected);
  });

  it('keeps the filter: a folder it rules out is not entered', async () => {
    await hostileTree();
    const walked = await inThread(root, '/a/b', '');
    expect(walked).toEqual(await here(root, '/a/b', ''));
    expect(walked.entries.some((e) => e.includes('skipped'))).toBe(false);
  });

  it('bounds how far it runs ahead, and a finished walk keeps its thread for the next', async () => {
    const files = BATCH_ENTRIES * (BATCHES_AHEAD + 4);
    mkdirSync(path.join(root, 'many'));
    for (let i = 0; i < files; i++) await writeFile(path.join(root, `many/${i}`), '');
    const first = await inThread(root);
    expect(first.entries).toHaveLength(files + 1);
    expect(first).toEqual(await here(root));
    const started = walkThreadsStarted();
    expect((await inThread(root)).entries).toHaveLength(files + 1);
    expect(walkThreadsStarted()).toBe(started);
  });

  it('throws what walkTree throws when the root cannot be listed', async () => {
    const missing = path.join(root, 'missing');
    const walked = await inThread(missing);
    expect(walked.error).toMatch(/^not-found: /);
    expect(walked).toEqual(await here(missing));
  });

  it('stops when cancelled, and a walk left midway stops its thread', async () => {
    mkdirSync(path.join(root, 'many'));
    for (let i = 0; i < 3000; i++) await writeFile(path.join(root, `many/${i}`), '');
    const controller = new AbortController();
    const spec = { root, includes: '', excludes: '', caseInsensitive: false, temporaries: false };
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of walkTreeInThread(spec, controller.signal)) {
          if (++seen === 10) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'cancelled' });
    const started = walkThreadsStarted();
    for await (const _ of walkTreeInThread(spec, live())) break; // left after one entry
    expect(walkThreadsStarted()).toBe(started + 1);
    expect((await inThread(root)).entries).toHaveLength(3001);
    expect(walkThreadsStarted()).toBe(started + 2);
  });
});

describe('entry batches', () => {
  it('carry plain and unusual entries exactly, in order', () => {
    const plain: WalkedEntry = {
      path: 'a/b',
      type: 'file',
      size: 12,
      mtimeMs: 1700000000123.4568,
      mtimeNs: '1700000000123456789',
      atimeMs: 1.5,
      atimeNs: '1500000',
      mode: 0o644,
      uid: 1000,
      gid: 100,
    };
    const entries: WalkedEntry[] = [
      plain,
      { ...plain, path: 'a/c', type: 'dir', size: 0 },
      { ...plain, path: 'a/l', type: 'symlink', size: 0, linkTarget: 'x' },
      { ...plain, path: 'a/h', hardLink: { key: '1:2', links: 2 } },
      { ...plain, path: 'a/s', allocatedBytes: 0 },
      { path: 'a/"x"', type: 'other', size: 0, mtimeMs: 0, problem: 'refused' },
      { ...plain, path: 'a/Z', type: 'other', nameClash: true, problem: 'clash' },
      { ...plain, path: 'a/extra', etag: 'e' } as WalkedEntry,
    ];
    const encoder = new BatchEncoder();
    for (const entry of entries) encoder.add(entry);
    const batch = encoder.take();
    expect(batch.whole).toHaveLength(6);
    expect(decodeBatch(structuredClone(batch)).map((e) => JSON.stringify(e))).toEqual(
      entries.map((e) => JSON.stringify(e)),
    );
    expect(encoder.size).toBe(0);
  });
});
