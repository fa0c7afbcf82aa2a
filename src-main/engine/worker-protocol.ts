import type { ErrorInfo } from '../../src-shared/errors';
import type { PlanItem } from './plan';
import type { RunnerSpec, TransferRunner } from './transfer-runner';
import type { AsWritten, ItemOutcome } from './transfer-file';

/** What a transfer worker is given at start (structured-cloned, bucket shared). */
export interface WorkerInit {
  source: RunnerSpec['source'];
  destination: RunnerSpec['destination'];
  options: RunnerSpec['options'];
  hashAlgorithm: RunnerSpec['hashAlgorithm'];
  bucket: SharedArrayBuffer;
  /** Per-request time limit for network locations, when set. */
  ioTimeoutMs?: number;
  /** The data folder (S3's index of written objects), when the host has one. */
  dataDir?: string;
}

/** A file's content hash on one side (VERIFYING). */
export interface HashRequest {
  side: 'source' | 'destination';
  path: string;
  size?: number;
  asWritten?: AsWritten;
}

export type WorkRequest =
  { type: 'run'; id: number; item: PlanItem } | ({ type: 'hash'; id: number } & HashRequest);

/** One request of a group: the group's id stands for all of them. */
export type GroupRequest = { type: 'run'; item: PlanItem } | ({ type: 'hash' } & HashRequest);

/**
 * The answer to one request of a group, in the order asked: what it did, or why not, with the
 * bytes it read from the source either way (they count as transferred, as a single item's do).
 */
export type GroupAnswer = { read: number } & (
  { outcome: ItemOutcome } | { hash: string } | { error: ErrorInfo }
);

export type ToWorker =
  | WorkRequest
  /** Several small requests in one message, answered in one message: per-file overhead. */
  | { type: 'batch'; requests: WorkRequest[] }
  /**
   * Small requests carried out one after the other and answered in one message, with no
   * message per byte count: the per-file cost of a thread hand-off, paid once per group.
   */
  | { type: 'group'; id: number; requests: GroupRequest[] }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'bytes'; id: number; bytes: number }
  | { type: 'done'; id: number; outcome: ItemOutcome }
  | { type: 'hashed'; id: number; hash: string }
  | { type: 'failed'; id: number; error: ErrorInfo }
  | { type: 'batch'; messages: WorkAnswer[] }
  | { type: 'group'; id: number; answers: GroupAnswer[] };

/** The answer to one request (a batch carries several). */
export type WorkAnswer = Exclude<FromWorker, { type: 'batch' } | { type: 'group' }>;

/** How often a worker reports bytes for an item in flight (never once per chunk). */
export const WORKER_PROGRESS_INTERVAL_MS = 100;

/** Requests on files up to this size travel in batches or groups (a worker copies them in a blink). */
export const BATCH_MAX_FILE_BYTES = 256 * 1024;
/** At most this many requests in one batch or group. */
export const BATCH_MAX_REQUESTS = 64;
/**
 * A group is cut where the folder changes once it holds this many: groups of one folder let
 * each thread fill folders of its own (two threads creating files in one folder wait on its
 * lock), and folders of a few files still travel many to a message.
 */
export const GROUP_FOLDER_CUT = 16;

/**
 * A runner that also takes small items many at a time: one message to a thread and one answer
 * for a whole group, where each item otherwise costs a job, a promise and messages of its own.
 */
export interface GroupRunner extends TransferRunner {
  /** How many groups to keep handed to it, so that every thread has one running and more waiting. */
  readonly groupsInFlight: number;
  /**
   * Carries out the items one after the other on one thread. Never rejects: an item that
   * failed (cancelled, a crashed thread, its own I/O error) has an `error` answer.
   */
  runGroup(items: PlanItem[], signal: AbortSignal): Promise<GroupAnswer[]>;
  /**
   * Starts the threads that `items` items will need now, so that they load their code while
   * the engine creates folders rather than after.
   */
  startThreads(items: number): void;
  /** `hash` for many files, answered together. Never rejects, as `runGroup`. */
  hashGroup(requests: HashRequest[], signal: AbortSignal): Promise<GroupAnswer[]>;
}

/** The runner's group interface when it has one in use (threads running one item each). */
export function groupRunnerOf(runner: TransferRunner): GroupRunner | null {
  const candidate = runner as Partial<GroupRunner>;
  return typeof candidate.runGroup === 'function' && (candidate.groupsInFlight ?? 0) > 0
    ? (candidate as GroupRunner)
    : null;
}

/** Whether a plan item is small enough to travel in a group. */
export function fitsGroup(item: PlanItem): boolean {
  return item.type !== 'file' || item.size <= BATCH_MAX_FILE_BYTES;
}
