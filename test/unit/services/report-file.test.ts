import { describe, expect, it } from 'vitest';
import { exportReportFile } from '../../../src-main/services/report-file';
import { CSV_HEADER } from '../../../src-main/store/report-export';
import type { FileResult } from '../../../src-shared/model/execution';
import { fileResult } from '../store/store-fixtures';
import { openRig, type ServiceRig } from './service-fixture';

// `executions:export-report`: the CLI's report formats, filtered like the report view, as a
// string for the UI to save.

const STARTED = new Date(2025, 5, 7, 8, 9).getTime();

function seedReport(rig: ServiceRig): string {
  const { store } = rig.services;
  const e = store.executions.create({
    taskId: null,
    taskName: 'Nightly Photos → NAS',
    sourceDescription: 'local folder /a',
    destinationDescription: 'local folder /b',
    startTime: STARTED,
  });
  const rows: FileResult[] = [
    fileResult({ path: 'Photos/beach.jpg', size: 100, sourceChecksum: 'xxh64:1' }),
    fileResult({ path: 'photos/100%_off.jpg', size: 200 }),
    fileResult({ path: '=SUM(A1).csv', size: 3 }),
    fileResult({
      path: 'docs/locked, "really".txt',
      action: 'failed',
      errorCode: 'permission-denied',
      detail: 'Permission denied: docs/locked',
      size: 0,
    }),
    fileResult({ path: 'docs/same.txt', action: 'skipped', detail: 'unchanged' }),
  ];
  store.fileResults.appendBatch(e.id, rows);
  return e.id;
}

describe('executions:export-report', () => {
  it('exports CSV with the CLI header and one quoted, guarded row per file', async () => {
    const rig = await openRig();
    const id = seedReport(rig);
    const file = await rig.value('executions:export-report', { id, format: 'csv' });
    expect(file.fileName).toBe('dataferry-report-nightly-photos-nas-20250607-0809.csv');
    expect(file.mimeType).toBe('text/csv');
    const lines = file.content.split('\r\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines).toHaveLength(1 + 5 + 1);
    expect(lines[1]).toMatch(/^Photos\/beach\.jpg,transferred,100,xxh64:1,,,,2025-/);
    expect(lines[3]).toMatch(/^'=SUM\(A1\)\.csv,transferred,3,/);
    expect(lines[4]).toMatch(
      /^"docs\/locked, ""really""\.txt",failed,0,,,permission-denied,Permission denied: docs\/locked,/,
    );
    expect(lines.at(-1)).toBe('');
  });

  it('exports JSON with the execution summary and the files a filter keeps', async () => {
    const rig = await openRig();
    const id = seedReport(rig);
    const file = await rig.value('executions:export-report', {
      id,
      format: 'json',
      search: 'PHOTOS/',
    });
    expect(file.fileName).toMatch(/^dataferry-report-nightly-photos-nas-\d{8}-\d{4}\.json$/);
    expect(file.mimeType).toBe('application/json');
    const report = JSON.parse(file.content) as {
      execution: { id: string; taskName: string };
      files: { path: string; size: number }[];
    };
    expect(report.execution).toMatchObject({ id, taskName: 'Nightly Photos → NAS' });
    expect(report.files.map((f) => f.path)).toEqual(['Photos/beach.jpg', 'photos/100%_off.jpg']);

    const literal = await rig.value('executions:export-report', {
      id,
      format: 'json',
      search: '%_',
    });
    expect((JSON.parse(literal.content) as { files: unknown[] }).files).toHaveLength(1);
    const errors = await rig.value('executions:export-report', {
      id,
      format: 'csv',
      onlyErrors: true,
    });
    expect(errors.content.split('\r\n').filter(Boolean)).toHaveLength(2);
    const skipped = await rig.value('executions:export-report', {
      id,
      format: 'csv',
      action: 'skipped',
    });
    expect(skipped.content).toContain('docs/same.txt,skipped');
    expect(skipped.content.split('\r\n').filter(Boolean)).toHaveLength(2);
  });

  it('filters the report page the same way', async () => {
    const rig = await openRig();
    const id = seedReport(rig);
    const page = await rig.value('executions:report', { id, search: 'DOCS/' });
    expect(page.total).toBe(2);
    expect(page.items.map((i) => i.path)).toEqual(['docs/locked, "really".txt', 'docs/same.txt']);
  });

  it('answers not-found for an unknown execution', async () => {
    const rig = await openRig();
    const answer = await rig.call('executions:export-report', { id: 'exec-nope', format: 'csv' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('refuses a report too large to hand to the window, naming the CLI command', async () => {
    const rig = await openRig();
    const id = seedReport(rig);
    const error = await exportReportFile(rig.services.store, id, 'csv', {}, 100).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'not-supported' });
    expect((error as Error).message).toContain(`dataferry report ${id} --format csv --output`);
  });
});
