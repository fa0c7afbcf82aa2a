import type { ErrorInfo } from '../../src-shared/errors';
import type { PlanItem } from './plan';
import type { RunnerSpec } from './transfer-runner';
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

export type WorkRequest =
  | { type: 'run'; id: number; item: PlanItem }
  | {
      type: 'hash';
      id: number;
      side: 'source' | 'destination';
      path: string;
      size?: number;
      asWritten?: AsWritten;
    };

export type ToWorker =
  | WorkRequest
  /** Several small requests in one message, answered in one message: per-file overhead. */
  | { type: 'batch'; requests: WorkRequest[] }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'bytes'; id: number; bytes: number }
  | { type: 'done'; id: number; outcome: ItemOutcome }
  | { type: 'hashed'; id: number; hash: string }
  | { type: 'failed'; id: number; error: ErrorInfo }
  | { type: 'batch'; messages: WorkAnswer[] };

/** The answer to one request (a batch carries several). */
export type WorkAnswer = Exclude<FromWorker, { type: 'batch' }>;

/** How often a worker reports bytes for an item in flight (never once per chunk). */
export const WORKER_PROGRESS_INTERVAL_MS = 100;

/** Requests on files up to this size travel in batches (a worker copies them in a blink). */
export const BATCH_MAX_FILE_BYTES = 256 * 1024;
/** At most this many requests in one batch. */
export const BATCH_MAX_REQUESTS = 64;
