import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { FILE_ACTIONS, type FileResult } from '../../../src-shared/model/execution';
import { fileResult, tempStore } from './store-fixtures';

const adHoc = {
  taskId: null,
  taskName: 'ad hoc',
  sourceDescription: '/a',
  destinationDescription: '/b',
};

/** Row i: every 10th failed with an error code, the others cycle through the other actions. */
function row(i: number): FileResult {
  const failed = i % 10 === 0;
  return fileResult({
    path: `/dir-${i % 100}/file-${i}.bin`,
    action: failed ? 'failed' : (['transferred', 'skipped', 'verified', 'deleted'] as const)[i % 4],
    size: i,
    sourceChecksum: `sha256:${i}`,
    destinationChecksum: failed ? null : `sha256:${i}`,
    detail: failed ? 'permission denied' : null,
    errorCode: failed ? 'permission-denied' : null,
    at: 1_700_000_000_000 + i,
  });
}

describe('FileResultsRepo', () => {
  it('appends batches in order and reads them back exactly', () => {
    const { store } = tempStore();
    const e = store.executions.create({ ...adHoc, startTime: 1 });
    const first = [
      fileResult({ path: '/a', sourceChecksum: 'x', destinationChecksum: 'x' }),
      fileResult({ path: '/b', action: 'skipped', detail: 'unchanged' }),
    ];
    store.fileResults.appendBatch(e.id, first);
    store.fileResults.appendBatch(e.id, []);
    store.fileResults.appendBatch(e.id, [
      fileResult({ path: '/c', action: 'failed', errorCode: 'not-found', detail: 'gone' }),
    ]);
    const page = store.fileResults.page(e.id);
    expect(page.map((r) => [r.seq, r.path])).toEqual([
      [1, '/a'],
      [2, '/b'],
      [3, '/c'],
    ]);
    expect(page[0]).toEqual({ ...first[0], seq: 1 });
    expect(store.fileResults.count(e.id)).toBe(3);
    expect(store.fileResults.count(e.id, 'skipped')).toBe(1);
  });

  it('keeps each execution’s results apart', () => {
    const { store } = tempStore();
    const a = store.executions.create({ ...adHoc, startTime: 1 });
    const b = store.executions.create({ ...adHoc, startTime: 2 });
    store.fileResults.appendBatch(a.id, [fileResult({ path: '/a1' }), fileResult({ path: '/a2' })]);
    store.fileResults.appendBatch(b.id, [fileResult({ path: '/b1' })]);
    expect(store.fileResults.page(b.id).map((r) => [r.seq, r.path])).toEqual([[1, '/b1']]);
    expect([...store.fileResults.iterate(a.id)].map((r) => r.path)).toEqual(['/a1', '/a2']);
  });

  it('saves nothing of a batch for an unknown execution', () => {
    const { store } = tempStore();
    let error: unknown;
    try {
      store.fileResults.appendBatch('exec-nope', [fileResult()]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('not-found');
    expect(store.fileResults.count('exec-nope')).toBe(0);
  });

  it('pages, filters and iterates 50,000 rows', () => {
    const { store } = tempStore();
    const e = store.executions.create({ ...adHoc, startTime: 1 });
    const total = 50_000;
    const started = performance.now();
    for (let start = 1; start <= total; start += 1000) {
      store.fileResults.appendBatch(
        e.id,
        Array.from({ length: 1000 }, (_, k) => row(start + k)),
      );
    }
    const appended = performance.now();

    expect(store.fileResults.count(e.id)).toBe(total);
    expect(store.fileResults.count(e.id, 'failed')).toBe(total / 10);
    const byAction = store.fileResults.countByAction(e.id);
    expect(Object.keys(byAction).sort()).toEqual([...FILE_ACTIONS].sort());
    expect(Object.values(byAction).reduce((s, n) => s + n, 0)).toBe(total);

    const page = store.fileResults.page(e.id, { limit: 3, offset: 49_998 });
    expect(page.map((r) => r.seq)).toEqual([49_999, 50_000]);
    expect(page[1]).toEqual({ ...row(50_000), seq: 50_000 });

    const errors = store.fileResults.page(e.id, { onlyErrors: true, limit: 5, offset: 100 });
    expect(errors.map((r) => r.seq)).toEqual([1010, 1020, 1030, 1040, 1050]);
    expect(errors.every((r) => r.action === 'failed' && r.errorCode === 'permission-denied')).toBe(
      true,
    );
    expect(store.fileResults.countWhere(e.id, { onlyErrors: true })).toBe(5000);

    const skipped = store.fileResults.page(e.id, { action: 'skipped', limit: 2 });
    expect(skipped.map((r) => [r.seq, r.action])).toEqual([
      [1, 'skipped'],
      [5, 'skipped'],
    ]);
    const inDir = store.fileResults.page(e.id, { pathContains: '/dir-7/', limit: 10_000 });
    expect(inDir).toHaveLength(500);
    expect(
      store.fileResults.countWhere(e.id, { pathContains: '/dir-7/', action: 'verified' }),
    ).toBe(inDir.filter((r) => r.action === 'verified').length);
    const queried = performance.now();

    let n = 0;
    let previous = 0;
    for (const r of store.fileResults.iterate(e.id)) {
      n++;
      if (r.seq !== previous + 1) throw new Error(`seq ${r.seq} after ${previous}`);
      previous = r.seq;
    }
    expect(n).toBe(total);
    // Leaving early, then iterating again, works (the statement is reset).
    for (const r of store.fileResults.iterate(e.id)) if (r.seq === 10) break;
    expect(store.fileResults.iterate(e.id).next().value?.seq).toBe(1);
    const iterated = performance.now();
    console.log(
      `50,000 file results: append ${(appended - started).toFixed(0)} ms, queries ${(queried - appended).toFixed(0)} ms, ` +
        `iterate ${(iterated - queried).toFixed(0)} ms`,
    );
  });

  it('clamps paging arguments', () => {
    const { store } = tempStore();
    const e = store.executions.create({ ...adHoc, startTime: 1 });
    store.fileResults.appendBatch(e.id, [fileResult({ path: '/a' }), fileResult({ path: '/b' })]);
    expect(store.fileResults.page(e.id, { limit: 0, offset: -5 }).map((r) => r.path)).toEqual([
      '/a',
    ]);
  });

  it('searches paths ignoring case, with LIKE wildcards and the escape taken literally', () => {
    const { store } = tempStore();
    const e = store.executions.create({ ...adHoc, startTime: 1 });
    const paths = [
      'Photos/Beach.JPG',
      'photos/100%_done.jpg',
      'photos/1000 done.jpg',
      'docs/a_b.txt',
      'docs/axb.txt',
      'docs/back\\slash.txt',
      'docs/backslash.txt',
    ];
    store.fileResults.appendBatch(
      e.id,
      paths.map((p, i) => fileResult({ path: p, action: i === 0 ? 'failed' : 'transferred' })),
    );
    const search = (text: string, extra: object = {}): string[] =>
      store.fileResults.page(e.id, { search: text, ...extra }).map((r) => r.path);
    expect(search('beach.jpg')).toEqual(['Photos/Beach.JPG']);
    expect(search('PHOTOS/')).toEqual([
      'Photos/Beach.JPG',
      'photos/100%_done.jpg',
      'photos/1000 done.jpg',
    ]);
    // '%' and '_' are not wildcards: "0%_d" is only in one path, "a_b" not in "axb".
    expect(search('0%_d')).toEqual(['photos/100%_done.jpg']);
    expect(search('%')).toEqual(['photos/100%_done.jpg']);
    expect(search('a_b')).toEqual(['docs/a_b.txt']);
    expect(search('_')).toEqual(['photos/100%_done.jpg', 'docs/a_b.txt']);
    expect(search('k\\s')).toEqual(['docs/back\\slash.txt']);
    expect(search('')).toHaveLength(paths.length);
    expect(store.fileResults.countWhere(e.id, { search: 'PHOTOS' })).toBe(3);
    expect(store.fileResults.countWhere(e.id, { search: 'photos', onlyErrors: true })).toBe(1);
    expect(search('photos', { action: 'transferred' })).toHaveLength(2);
    expect([...store.fileResults.iterate(e.id, { search: 'DOCS/A' })].map((r) => r.path)).toEqual([
      'docs/a_b.txt',
      'docs/axb.txt',
    ]);
  });
});
