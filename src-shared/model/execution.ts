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

/**
 * DataSync's counters, with its names, plus DataFerry's own (after BytesVerified). Each task
 * report action has exactly one counter (REPORT_ACTION_COUNTERS): a run's report rows of an
 * action number its counter, except `skipped`, whose unchanged files are counted but written to
 * the report only at LogLevel TRANSFER. Files counters count files (and links, special files);
 * folders have their own. A history record written before a counter existed reads it as 0.
 */
export interface ExecutionCounters {
  EstimatedFilesToTransfer: number;
  EstimatedBytesToTransfer: number;
  EstimatedFilesToDelete: number;
  FilesPrepared: number;
  /** Files whose data was written, and links written as links. */
  FilesTransferred: number;
  FilesVerified: number;
  /** Unchanged, or left alone as the options say (OverwriteMode=NEVER): nothing was missed. */
  FilesSkipped: number;
  /** Files and folders deleted at the destination (PreserveDeletedFiles=REMOVE). */
  FilesDeleted: number;
  /** Each file at most once, however many times (transfer, verification) it failed. */
  FilesFailed: number;
  BytesWritten: number;
  BytesTransferred: number;
  BytesVerified: number;
  /**
   * Source entries left behind because they cannot be copied: a name no file can carry, a
   * special file, a link towards a store without links, a type conflict (a folder counts once,
   * for everything in it). A run with any ends ERROR.
   */
  FilesNotCopied: number;
  /** Files with the same content whose metadata (times, owner, mode) was applied. */
  FilesMetadataUpdated: number;
  /** Planned deletes not made because the run had errors (nothing is deleted after one). */
  FilesNotDeleted: number;
  /** Folders created at the destination. */
  FoldersCreated: number;
  /** Existing folders whose metadata was applied. */
  FoldersUpdated: number;
  /** Folders that could not be read (listed) or created. */
  FoldersFailed: number;
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
    FilesNotCopied: 0,
    FilesMetadataUpdated: 0,
    FilesNotDeleted: 0,
    FoldersCreated: 0,
    FoldersUpdated: 0,
    FoldersFailed: 0,
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

/**
 * What happened to one entry: DataSync's task report actions, then DataFerry's own. A link
 * written as a link is `transferred` with the detail 'symbolic link'.
 */
export const FILE_ACTIONS = [
  'transferred',
  'skipped',
  'deleted',
  'verified',
  'failed',
  'not-copied',
  'metadata-updated',
  'not-deleted',
  'folder-created',
  'folder-updated',
  'folder-failed',
] as const;
export type FileAction = (typeof FILE_ACTIONS)[number];

/** The counter each report action adds one to. */
export const REPORT_ACTION_COUNTERS = {
  transferred: 'FilesTransferred',
  skipped: 'FilesSkipped',
  deleted: 'FilesDeleted',
  verified: 'FilesVerified',
  failed: 'FilesFailed',
  'not-copied': 'FilesNotCopied',
  'metadata-updated': 'FilesMetadataUpdated',
  'not-deleted': 'FilesNotDeleted',
  'folder-created': 'FoldersCreated',
  'folder-updated': 'FoldersUpdated',
  'folder-failed': 'FoldersFailed',
} as const satisfies Record<FileAction, keyof ExecutionCounters>;

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
