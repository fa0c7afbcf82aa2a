import {
  zeroCounters,
  type ExecutionCounters,
  type ExecutionProgress,
  type ExecutionRecord,
  type ExecutionStatus,
  type Phase,
  type PhaseResult,
} from '../../../src-shared/model/execution';

const phases = (): Record<Phase, PhaseResult> => ({
  LAUNCHING: { status: 'PENDING', startedAt: null, durationMs: null },
  PREPARING: { status: 'PENDING', startedAt: null, durationMs: null },
  TRANSFERRING: { status: 'PENDING', startedAt: null, durationMs: null },
  VERIFYING: { status: 'PENDING', startedAt: null, durationMs: null },
});

/** An execution record; override what the test cares about. */
export function record(
  id: string,
  status: ExecutionStatus,
  counters: Partial<ExecutionCounters> = {},
  overrides: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  return {
    id,
    taskId: 'task-1',
    taskName: 'Nightly',
    sourceDescription: 'local folder /a',
    destinationDescription: 'local folder /b',
    options: null,
    status,
    phases: phases(),
    counters: { ...zeroCounters(), ...counters },
    startTime: 1_000_000,
    launchTime: 1_000_000,
    endTime: null,
    bytesPerSecond: -1,
    error: null,
    interrupted: false,
    ...overrides,
  };
}

/** A progress event of a running execution. */
export function progress(
  executionId: string,
  status: ExecutionStatus,
  counters: Partial<ExecutionCounters> = {},
): ExecutionProgress {
  return {
    executionId,
    taskId: 'task-1',
    status,
    phases: phases(),
    counters: { ...zeroCounters(), ...counters },
    throughput: 0,
    etaSeconds: null,
    files: [],
  };
}
