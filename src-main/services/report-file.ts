import { Writable } from 'node:stream';
import { AppError } from '../../src-shared/errors';
import type { ExportedFile } from '../../src-shared/ipc/contract';
import type { HistoryStore } from '../store/history-store';
import {
  writeReportCsv,
  writeReportJson,
  type ReportFilter,
  type ReportFormat,
} from '../store/report-export';
import { compactTimestamp, slugify } from './file-names';

/**
 * A report crosses IPC or a WebSocket as one string: past this size the UI would stall (and V8
 * refuses strings near 512 MiB), so a larger one is refused with the CLI command that writes it.
 */
export const MAX_EXPORTED_REPORT_CHARS = 128 * 1024 * 1024;

const MIME_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv',
  json: 'application/json',
};

/**
 * A task report (or the lines `filter` keeps) as a file's contents for the UI to save, in the
 * very format `dataferry report` writes. The name is
 * `dataferry-report-<task-name-slug>-<yyyymmdd-hhmm>.<format>` (the execution's start time).
 * Throws AppError `not-found` for an unknown execution, `not-supported` for a report too large to
 * pass to the UI (the message gives the CLI command instead).
 */
export async function exportReportFile(
  store: HistoryStore,
  executionId: string,
  format: ReportFormat,
  filter: ReportFilter = {},
  maxChars = MAX_EXPORTED_REPORT_CHARS,
): Promise<ExportedFile> {
  const execution = store.executions.get(executionId);
  const out = new StringCollector(maxChars, () => tooLarge(executionId, format, maxChars));
  const write = format === 'json' ? writeReportJson : writeReportCsv;
  await write(store.db, executionId, out, filter);
  return {
    fileName: `dataferry-report-${slugify(execution.taskName)}-${compactTimestamp(execution.startTime)}.${format}`,
    mimeType: MIME_TYPES[format],
    content: out.text(),
  };
}

function tooLarge(executionId: string, format: ReportFormat, maxChars: number): AppError {
  return new AppError(
    'not-supported',
    `This report is larger than ${Math.round(maxChars / (1024 * 1024))} MiB, too large to save ` +
      `from the window: filter it, or run \`dataferry report ${executionId} --format ${format} ` +
      '--output <file>`',
    { executionId },
  );
}

/** A Writable that keeps what is written as text, failing once more than `maxChars` arrive. */
class StringCollector extends Writable {
  private readonly chunks: string[] = [];
  private length = 0;

  constructor(
    private readonly maxChars: number,
    private readonly overflow: () => Error,
  ) {
    super({ decodeStrings: false });
    // The writer sees errors through `errored`; this keeps a late 'error' event from going unhandled.
    this.on('error', () => undefined);
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.length += text.length;
    if (this.length > this.maxChars) {
      callback(this.overflow());
      return;
    }
    this.chunks.push(text);
    callback();
  }

  text(): string {
    return this.chunks.join('');
  }
}
