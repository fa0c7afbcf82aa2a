import type { ErrorInfo } from '../../src-shared/errors';
import type { PlanItem } from './plan';
import type { RunnerSpec } from './transfer-runner';
import type { ItemOutcome } from './transfer-file';

/** What a transfer worker is given at start (structured-cloned, bucket shared). */
export interface WorkerInit {
  source: RunnerSpec['source'];
  destination: RunnerSpec['destination'];
  options: RunnerSpec['options'];
  hashAlgorithm: RunnerSpec['hashAlgorithm'];
  bucket: SharedArrayBuffer;
}

export type ToWorker =
  | { type: 'run'; id: number; item: PlanItem }
  | { type: 'hash'; id: number; side: 'source' | 'destination'; path: string }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'bytes'; id: number; bytes: number }
  | { type: 'done'; id: number; outcome: ItemOutcome }
  | { type: 'hashed'; id: number; hash: string }
  | { type: 'failed'; id: number; error: ErrorInfo };

/** How often a worker reports bytes for an item in flight (never once per chunk). */
export const WORKER_PROGRESS_INTERVAL_MS = 100;
