import { describe, expect, it } from 'vitest';
import { progressLine } from '../../../src-main/cli/progress-bar';
import { zeroCounters, type ExecutionProgress } from '../../../src-shared/model/execution';

function progress(
  status: ExecutionProgress['status'],
  counters: Partial<ExecutionProgress['counters']>,
  throughput = 0,
  etaSeconds: number | null = null,
): ExecutionProgress {
  return {
    executionId: 'e',
    taskId: 't',
    status,
    phases: {} as ExecutionProgress['phases'],
    counters: { ...zeroCounters(), ...counters },
    throughput,
    etaSeconds,
    files: [],
  };
}

describe('progressLine', () => {
  it('moves with the bytes of a file still in flight, not only finished ones', () => {
    const line = progressLine(
      progress(
        'TRANSFERRING',
        {
          EstimatedBytesToTransfer: 1000 * 1024 * 1024,
          EstimatedFilesToTransfer: 1,
          BytesTransferred: 250 * 1024 * 1024,
        },
        100 * 1024 * 1024,
        8,
      ),
      200,
    );
    expect(line).toContain('25%');
    expect(line).toContain('250.0 MiB/1000.0 MiB');
    expect(line).toContain('100.0 MiB/s');
    expect(line).toContain('ETA 8s');
  });

  it('shows failures and fits the terminal', () => {
    const line = progressLine(
      progress('TRANSFERRING', { EstimatedBytesToTransfer: 10, FilesFailed: 2 }),
      200,
    );
    expect(line).toContain('2 failed');
    expect(progressLine(progress('VERIFYING', {}), 40).length).toBeLessThan(40);
  });
});
