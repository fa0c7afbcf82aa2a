import {
  zeroCounters,
  type ExecutionProgress,
  type ExecutionRecord,
  type FileProgress,
  type Phase,
  type PhaseResult,
} from '../../../src-shared/model/execution';

/** Phases all PENDING, with overrides. */
export function phases(
  overrides: Partial<Record<Phase, Partial<PhaseResult>>> = {},
): Record<Phase, PhaseResult> {
  const pending = (): PhaseResult => ({ status: 'PENDING', startedAt: null, durationMs: null });
  return {
    LAUNCHING: { ...pending(), ...overrides.LAUNCHING },
    PREPARING: { ...pending(), ...overrides.PREPARING },
    TRANSFERRING: { ...pending(), ...overrides.TRANSFERRING },
    VERIFYING: { ...pending(), ...overrides.VERIFYING },
  };
}

/** An execution record for tests. */
export function record(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: 'e1',
    taskId: 't1',
    taskName: 'Photos to NAS',
    sourceDescription: '/data/photos',
    destinationDescription: 'smb://nas/backup/photos',
    options: null,
    status: 'QUEUED',
    phases: phases(),
    counters: zeroCounters(),
    startTime: Date.UTC(2025, 0, 2, 10, 0, 0),
    launchTime: null,
    endTime: null,
    bytesPerSecond: -1,
    error: null,
    interrupted: false,
    ...overrides,
  };
}

/** A progress event carrying these file changes. */
export function progressEvent(executionId: string, files: FileProgress[]): ExecutionProgress {
  return {
    executionId,
    taskId: 't1',
    status: 'TRANSFERRING',
    phases: phases(),
    counters: zeroCounters(),
    throughput: 0,
    etaSeconds: null,
    files,
  };
}
