import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ExecutionRecord, Phase, PhaseResult } from '../../src-shared/model/execution';
import type { Database } from './database';
import { ExecutionsRepo } from './executions-repo';
import { FileResultsRepo, type FileResultQuery, type StoredFileResult } from './file-results-repo';

/*
 * Task reports, streamed: rows are read one by one and written in chunks of about 64 KiB, waiting
 * for 'drain' when the stream's buffer is full, so a million-file report never sits in memory.
 * Times are ISO 8601 (UTC) in both formats, like DataSync's reports.
 */

const CHUNK_CHARS = 64 * 1024;

export const CSV_HEADER = [
  'path',
  'action',
  'size',
  'source_checksum',
  'destination_checksum',
  'error_code',
  'detail',
  'at',
] as const;

export type ReportFormat = 'json' | 'csv';

/** Which lines of the report to write (all of them when empty). */
export type ReportFilter = Pick<FileResultQuery, 'action' | 'onlyErrors' | 'search'>;

/**
 * Writes `{"execution": {...}, "files": [...]}` to `out` (one file per line; the files `filter`
 * keeps), and does not end `out`. Throws AppError `not-found` for an unknown execution (before
 * writing anything); rejects with the stream's error if `out` fails or closes early.
 */
export async function writeReportJson(
  db: Database,
  executionId: string,
  out: Writable,
  filter: ReportFilter = {},
): Promise<void> {
  const execution = new ExecutionsRepo(db).get(executionId);
  const sink = new Sink(out);
  try {
    await sink.push(`{"execution":${JSON.stringify(summary(execution))},\n"files":[`);
    let first = true;
    for (const file of new FileResultsRepo(db).iterate(executionId, filter)) {
      await sink.push(`${first ? '\n' : ',\n'}${JSON.stringify(fileJson(file))}`);
      first = false;
    }
    await sink.push(first ? ']}\n' : '\n]}\n');
    await sink.flush();
  } finally {
    sink.dispose();
  }
}

/**
 * Writes the report (the lines `filter` keeps) as CSV (RFC 4180: CRLF line ends, fields quoted
 * when they hold a comma, quote, CR or LF) with the header `path,action,size,source_checksum,
 * destination_checksum,error_code,detail,at`. A text cell starting with = + - @ tab or CR gets a
 * leading apostrophe, so a spreadsheet never runs a file name as a formula. Does not end `out`. Throws AppError
 * `not-found` for an unknown execution (before writing anything); rejects with the stream's
 * error if `out` fails or closes early.
 */
export async function writeReportCsv(
  db: Database,
  executionId: string,
  out: Writable,
  filter: ReportFilter = {},
): Promise<void> {
  new ExecutionsRepo(db).get(executionId);
  const sink = new Sink(out);
  try {
    await sink.push(`${CSV_HEADER.join(',')}\r\n`);
    for (const file of new FileResultsRepo(db).iterate(executionId, filter)) {
      const cells = [
        textCell(file.path),
        file.action,
        String(file.size),
        textCell(file.sourceChecksum),
        textCell(file.destinationChecksum),
        textCell(file.errorCode),
        textCell(file.detail),
        iso(file.at),
      ];
      await sink.push(`${cells.join(',')}\r\n`);
    }
    await sink.flush();
  } finally {
    sink.dispose();
  }
}

/**
 * Writes a report to `file` through a temporary file in the same folder, renamed into place when
 * complete, so a failed export never leaves a truncated report. Throws AppError `not-found` for an
 * unknown execution; rejects with the file system's error otherwise (nothing is left behind).
 */
export async function exportReportToFile(
  db: Database,
  executionId: string,
  format: ReportFormat,
  file: string,
): Promise<void> {
  new ExecutionsRepo(db).get(executionId);
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.partial`,
  );
  const out = fs.createWriteStream(temp, { flags: 'wx' });
  // Errors surface through the writer and `finished`; this keeps a late one from going unhandled.
  out.on('error', () => undefined);
  try {
    await (format === 'json' ? writeReportJson : writeReportCsv)(db, executionId, out);
    out.end();
    await finished(out);
    await fs.promises.rename(temp, file);
  } catch (error) {
    out.destroy();
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
}

/** RFC 4180 quoting plus the spreadsheet formula guard; null is an empty cell. */
export function textCell(value: string | null): string {
  if (value === null) return '';
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function summary(e: ExecutionRecord): Record<string, unknown> {
  const phases = Object.fromEntries(
    Object.entries(e.phases).map(([phase, r]: [string, PhaseResult]) => [
      phase as Phase,
      { status: r.status, startedAt: iso(r.startedAt), durationMs: r.durationMs },
    ]),
  );
  return {
    id: e.id,
    taskId: e.taskId,
    taskName: e.taskName,
    source: e.sourceDescription,
    destination: e.destinationDescription,
    status: e.status,
    interrupted: e.interrupted,
    startTime: iso(e.startTime),
    launchTime: iso(e.launchTime),
    endTime: iso(e.endTime),
    durationMs: e.endTime === null ? null : e.endTime - e.startTime,
    bytesPerSecond: e.bytesPerSecond,
    error: e.error,
    counters: e.counters,
    phases,
    options: e.options,
  };
}

function fileJson(f: StoredFileResult): Record<string, unknown> {
  return {
    path: f.path,
    action: f.action,
    size: f.size,
    sourceChecksum: f.sourceChecksum,
    destinationChecksum: f.destinationChecksum,
    errorCode: f.errorCode,
    detail: f.detail,
    at: iso(f.at),
  };
}

/**
 * Collects text into chunks and writes them with backpressure. While it is in use it listens for
 * the stream's 'error' (so an error emitted between writes is reported, not thrown unhandled).
 */
class Sink {
  private buffer = '';
  private error: Error | null = null;
  private readonly onError = (error: Error): void => {
    this.error ??= error;
  };

  constructor(private readonly out: Writable) {
    out.on('error', this.onError);
  }

  async push(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    this.check();
    if (this.buffer === '') return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk)) await drained(this.out);
    this.check();
  }

  /** Stops listening; call once, when done (or failed). */
  dispose(): void {
    this.out.off('error', this.onError);
  }

  private check(): void {
    const error = this.error ?? this.out.errored;
    if (error) throw error;
    if (this.out.destroyed || this.out.writableEnded) throw closedEarly();
  }
}

function closedEarly(): Error {
  return new Error('The report stream was closed before the report was complete');
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(out.errored ?? closedEarly());
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
