import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-shared/errors';
import { defaultTaskOptions } from '../../../src-shared/model/task';
import {
  CSV_HEADER,
  exportReportToFile,
  textCell,
  writeReportCsv,
  writeReportJson,
} from '../../../src-main/store/report-export';
import { fileResult, tempDir, tempStore } from './store-fixtures';

/** A slow sink with a tiny buffer, so the writers must wait for 'drain'. */
class Collector extends Writable {
  chunks: string[] = [];
  drains = 0;
  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
    this.on('drain', () => this.drains++);
  }
  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.chunks.push(chunk.toString());
    setImmediate(callback);
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/** RFC 4180 parsing, for checking what the writer quoted. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
    i++;
  }
  return rows;
}

function setup(count = 3000) {
  const { store } = tempStore();
  const options = defaultTaskOptions();
  const e = store.executions.create({
    taskId: null,
    taskName: 'Photos',
    sourceDescription: '/photos',
    destinationDescription: 's3://bucket/photos/',
    options,
    status: 'SUCCESS',
    startTime: Date.UTC(2025, 0, 1),
    endTime: Date.UTC(2025, 0, 1, 0, 1),
  });
  const files = Array.from({ length: count }, (_, i) =>
    fileResult({
      path: `/p/${i}.jpg`,
      size: i,
      sourceChecksum: `c${i}`,
      destinationChecksum: `c${i}`,
      at: Date.UTC(2025, 0, 1) + i,
    }),
  );
  store.fileResults.appendBatch(e.id, files);
  return { store, e, files, options };
}

describe('writeReportJson', () => {
  it('streams a parseable report that matches the history, waiting for drain', async () => {
    const { store, e, files, options } = setup();
    const out = new Collector();
    await writeReportJson(store.db, e.id, out);
    expect(out.drains).toBeGreaterThan(0);
    const report = JSON.parse(out.text) as {
      execution: Record<string, unknown>;
      files: Record<string, unknown>[];
    };
    expect(report.execution).toMatchObject({
      id: e.id,
      taskId: null,
      taskName: 'Photos',
      source: '/photos',
      destination: 's3://bucket/photos/',
      status: 'SUCCESS',
      startTime: '2025-01-01T00:00:00.000Z',
      endTime: '2025-01-01T00:01:00.000Z',
      durationMs: 60_000,
      counters: e.counters,
      options,
      interrupted: false,
    });
    expect(report.execution.phases).toMatchObject({
      LAUNCHING: { status: 'PENDING', startedAt: null },
    });
    expect(report.files).toHaveLength(files.length);
    report.files.forEach((f, i) => {
      const expected = files[i];
      expect(f).toEqual({ ...expected, at: new Date(expected?.at ?? 0).toISOString() });
    });
  });

  it('writes an empty files array for an execution without results', async () => {
    const { store } = tempStore();
    const e = store.executions.create({
      taskId: null,
      taskName: 'x',
      sourceDescription: 'a',
      destinationDescription: 'b',
      startTime: 0,
    });
    const out = new Collector();
    await writeReportJson(store.db, e.id, out);
    expect(JSON.parse(out.text)).toMatchObject({ execution: { id: e.id }, files: [] });
  });

  it('answers not-found for an unknown execution without writing', async () => {
    const { store } = tempStore();
    const out = new Collector();
    await expect(writeReportJson(store.db, 'exec-nope', out)).rejects.toMatchObject({
      code: 'not-found',
    });
    await expect(writeReportCsv(store.db, 'exec-nope', out)).rejects.toBeInstanceOf(AppError);
    expect(out.text).toBe('');
  });

  it('fails, rather than hangs, when the stream is destroyed midway', async () => {
    const { store, e } = setup(20_000);
    const out = new Collector();
    out.once('drain', () => out.destroy(new Error('disk gone')));
    await expect(writeReportCsv(store.db, e.id, out)).rejects.toThrow('disk gone');
  });
});

describe('writeReportCsv', () => {
  it('writes the header and one row per file', async () => {
    const { store, e, files } = setup();
    const out = new Collector();
    await writeReportCsv(store.db, e.id, out);
    const rows = parseCsv(out.text);
    expect(rows[0]).toEqual([...CSV_HEADER]);
    expect(rows).toHaveLength(files.length + 1);
    expect(rows[1]).toEqual([
      '/p/0.jpg',
      'transferred',
      '0',
      'c0',
      'c0',
      '',
      '',
      '2025-01-01T00:00:00.000Z',
    ]);
    expect(out.text.endsWith('\r\n')).toBe(true);
  });

  it('quotes per RFC 4180 and defuses formulas', async () => {
    const { store } = tempStore();
    const e = store.executions.create({
      taskId: null,
      taskName: 'x',
      sourceDescription: 'a',
      destinationDescription: 'b',
      startTime: 0,
    });
    const nasty = [
      '/a,b.txt',
      '/say "hi".txt',
      '/two\nlines.txt',
      '=HYPERLINK("http://x")',
      '+1',
      '-1',
      '@SUM(A1)',
      '\tTab',
      '\rCR',
      'plain',
    ];
    store.fileResults.appendBatch(
      e.id,
      nasty.map((p) =>
        fileResult({ path: p, action: 'failed', detail: `detail of ${p}`, errorCode: 'unknown' }),
      ),
    );
    const out = new Collector();
    await writeReportCsv(store.db, e.id, out);
    const rows = parseCsv(out.text).slice(1);
    expect(rows.map((r) => r[0])).toEqual([
      '/a,b.txt',
      '/say "hi".txt',
      '/two\nlines.txt',
      `'=HYPERLINK("http://x")`,
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tTab",
      "'\rCR",
      'plain',
    ]);
    expect(rows.every((r) => r.length === CSV_HEADER.length)).toBe(true);
    expect(textCell('=1+1')).toBe("'=1+1");
    expect(textCell('a"b')).toBe('"a""b"');
    expect(textCell('=a,b')).toBe(`"'=a,b"`);
    expect(textCell(null)).toBe('');
  });
});

describe('exportReportToFile', () => {
  it('writes the whole report and leaves no temporary file', async () => {
    const { store, e, files } = setup(500);
    const dir = tempDir();
    const file = path.join(dir, 'report.csv');
    await exportReportToFile(store.db, e.id, 'csv', file);
    expect(parseCsv(fs.readFileSync(file, 'utf8'))).toHaveLength(files.length + 1);
    await exportReportToFile(store.db, e.id, 'json', path.join(dir, 'report.json'));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')).files).toHaveLength(
      files.length,
    );
    expect(fs.readdirSync(dir).sort()).toEqual(['report.csv', 'report.json']);
  });

  it('creates nothing for an unknown execution', async () => {
    const { store } = tempStore();
    const dir = tempDir();
    await expect(
      exportReportToFile(store.db, 'exec-nope', 'json', path.join(dir, 'r.json')),
    ).rejects.toMatchObject({
      code: 'not-found',
    });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
