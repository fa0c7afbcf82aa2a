import type { ErrorInfo } from '../errors';
import type { TaskOptions } from './task';

/** DataSync's execution statuses, in order, plus the two ends of a cancel. */
export const EXECUTION_STATUSES = [
  'QUEUED',
  'LAUNCHING',
  'PREPARING',
  'TRANSFERRING',
  'VERIFYING',
  'SUCCESS',
  'ERROR',
  'CANCELLING',
  'CANCELLED',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const PHASES = ['LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING'] as const;
export type Phase = (typeof PHASES)[number];

export type PhaseStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'ERROR' | 'CANCELLED' | 'SKIPPED';

export interface PhaseResult {
  status: PhaseStatus;
  startedAt: number | null;
  durationMs: number | null;
}

export function isFinalStatus(status: ExecutionStatus): boolean {
  return status === 'SUCCESS' || status === 'ERROR' || status === 'CANCELLED';
}

/** DataSync's counters, with its names. */
export interface ExecutionCounters {
  EstimatedFilesToTransfer: number;
  EstimatedBytesToTransfer: number;
  EstimatedFilesToDelete: number;
  FilesPrepared: number;
  FilesTransferred: number;
  FilesVerified: number;
  FilesSkipped: number;
  FilesDeleted: number;
  FilesFailed: number;
  BytesWritten: number;
  BytesTransferred: number;
  BytesVerified: number;
}

export function zeroCounters(): ExecutionCounters {
  return {
    EstimatedFilesToTransfer: 0,
    EstimatedBytesToTransfer: 0,
    EstimatedFilesToDelete: 0,
    FilesPrepared: 0,
    FilesTransferred: 0,
    FilesVerified: 0,
    FilesSkipped: 0,
    FilesDeleted: 0,
    FilesFailed: 0,
    BytesWritten: 0,
    BytesTransferred: 0,
    BytesVerified: 0,
  };
}

export interface Execution {
  id: string;
  taskId: string;
  status: ExecutionStatus;
  phases: Record<Phase, PhaseResult>;
  counters: ExecutionCounters;
  /** When it was started (queued). */
  startTime: number;
  launchTime: number | null;
  endTime: number | null;
  /** The bandwidth limit in force (-1 unlimited); can change while running. */
  bytesPerSecond: number;
  error: ErrorInfo | null;
  /** True when the app stopped while this execution was running. */
  interrupted: boolean;
}

/** What happened to one file: DataSync's task report actions. */
export const FILE_ACTIONS = ['transferred', 'skipped', 'deleted', 'verified', 'failed'] as const;
export type FileAction = (typeof FILE_ACTIONS)[number];

/** One line of the task report. */
export interface FileResult {
  path: string;
  action: FileAction;
  size: number;
  sourceChecksum: string | null;
  destinationChecksum: string | null;
  /** Why it was skipped or failed. */
  detail: string | null;
  errorCode: string | null;
  at: number;
}

/** A file in flight, for the live per-file table. */
export interface FileProgress {
  path: string;
  size: number;
  bytesDone: number;
  state: 'queued' | 'transferring' | 'verifying' | 'done' | 'skipped' | 'failed';
}

/** The `execution:progress` event: pushed at most about 10 times a second per execution. */
export interface ExecutionProgress {
  executionId: string;
  taskId: string;
  status: ExecutionStatus;
  phases: Record<Phase, PhaseResult>;
  counters: ExecutionCounters;
  /** Bytes per second over the last few seconds. */
  throughput: number;
  /** Seconds left in TRANSFERRING at the current throughput, or null when unknown. */
  etaSeconds: number | null;
  /** Files whose state changed since the previous event. */
  files: FileProgress[];
}

/**
 * An execution as the history keeps it: the live `Execution` plus snapshots taken when it started,
 * so it still reads well after its task is renamed or deleted (`taskId` then becomes null, and it
 * is null from the start for an ad-hoc run that has no saved task).
 */
export interface ExecutionRecord extends Omit<Execution, 'taskId'> {
  taskId: string | null;
  /** The task's name when the execution started (or a label for an ad-hoc run). */
  taskName: string;
  /** The source location in words when the execution started, e.g. "smb://nas/share/photos". */
  sourceDescription: string;
  destinationDescription: string;
  /** The options the execution ran with, when known. */
  options: TaskOptions | null;
}
