import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zeroCounters, type FileResult } from '../../../src-shared/model/execution';
import { local, tempDir } from '../../support/engine-harness';
import { assertRunAgrees, type FinishedRun } from '../../support/run-agreement';

// The shared check (test/support/run-agreement.ts) must itself catch each kind of disagreement
// issue 15 found, or a test that uses it proves nothing.

let dst: string;
let remove: () => Promise<void>;

beforeEach(async () => {
  ({ dir: dst, remove } = await tempDir('agree'));
  await mkdir(path.join(dst, 'd'));
  await writeFile(path.join(dst, 'd/a.txt'), 'abc');
  await symlink('d/a.txt', path.join(dst, 'link'));
});
afterEach(async () => remove());

const line = (l: Partial<FileResult> & Pick<FileResult, 'path' | 'action'>): FileResult => ({
  size: 0,
  sourceChecksum: null,
  destinationChecksum: null,
  detail: null,
  errorCode: null,
  at: 0,
  ...l,
});

type Run = Omit<FinishedRun, 'results'> & { results: FileResult[] };

/** A run that agrees: one folder created, one file written and verified, one link. */
function goodRun(): Run {
  const counters = {
    ...zeroCounters(),
    FoldersCreated: 1,
    FilesTransferred: 2,
    FilesVerified: 1,
    BytesWritten: 3,
    BytesVerified: 3,
  };
  return {
    execution: { status: 'SUCCESS', counters },
    results: [
      line({ path: 'd', action: 'folder-created' }),
      line({ path: 'd/a.txt', action: 'transferred', size: 3 }),
      line({ path: 'link', action: 'transferred', detail: 'symbolic link to d/a.txt' }),
      line({ path: 'd/a.txt', action: 'verified', size: 3 }),
    ],
    summary: [
      'Execution e1: SUCCESS',
      '  files: 2 transferred of 2, 0 metadata updated, 0 skipped, 0 not copied, 0 deleted, 1 verified, 0 failed',
      '  folders: 1 created, 0 updated, 0 failed',
      '  bytes: 3 written of 3, 3 verified',
    ].join('\n'),
    destination: { config: local(dst) },
  };
}

describe('assertRunAgrees', () => {
  it('accepts a run whose counters, report, summary and destination agree', async () => {
    const run = goodRun();
    run.execution.counters.EstimatedFilesToTransfer = 2;
    run.execution.counters.EstimatedBytesToTransfer = 3;
    await assertRunAgrees(run);
  });

  it.each([
    [
      'a file counted twice as failed',
      (r: Run) => {
        r.execution.status = 'ERROR';
        r.execution.counters.FilesFailed = 2;
        r.results.push(line({ path: 'x', action: 'failed', detail: 'no', errorCode: 'unknown' }));
      },
    ],
    [
      'two failed lines for one path',
      (r: Run) => {
        r.execution.status = 'ERROR';
        r.execution.counters.FilesFailed = 2;
        const failed = line({ path: 'x', action: 'failed', detail: 'no', errorCode: 'unknown' });
        r.results.push(failed, failed);
      },
    ],
    [
      'a folder reported as a transferred file',
      (r: Run) => {
        r.results[0] = line({ path: 'd', action: 'transferred', detail: 'metadata only' });
      },
    ],
    [
      'a verified size that is not what the destination holds',
      (r: Run) => {
        (r.results[3] as FileResult).size = 2;
        r.execution.counters.BytesVerified = 2;
      },
    ],
    [
      'entries left behind in a SUCCESS run',
      (r: Run) => {
        r.execution.counters.FilesNotCopied = 1;
        r.results.push(
          line({ path: 'p', action: 'not-copied', detail: 'fifo', errorCode: 'not-supported' }),
        );
      },
    ],
    [
      'a summary line that says something else',
      (r: Run) => {
        r.summary = (r.summary ?? '').replace('0 skipped', '4 skipped');
      },
    ],
    [
      'a transferred file missing at the destination',
      (r: Run) => {
        r.results.push(line({ path: 'gone.txt', action: 'transferred', size: 0 }));
        r.execution.counters.FilesTransferred = 3;
        r.summary = (r.summary ?? '').replace('2 transferred', '3 transferred');
      },
    ],
  ])('refuses %s', async (_name, spoil) => {
    const run = goodRun();
    run.execution.counters.EstimatedFilesToTransfer = 2;
    run.execution.counters.EstimatedBytesToTransfer = 3;
    spoil(run);
    await expect(assertRunAgrees(run)).rejects.toThrow();
  });
});
