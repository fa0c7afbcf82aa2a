import { parentPort } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import { zeroCounters, type ExecutionCounters } from '../../src-shared/model/execution';
import type { TaskOptions } from '../../src-shared/model/task';
import type { Location } from '../locations/location';
import { openLocation } from '../locations/open-location';
import { compileFilter } from './filters';
import { prepare } from './phases/prepare';
import { PlanStore } from './plan-store';
import type { RunnerSpec } from './transfer-runner';

/*
 * PREPARING in a worker thread: the two walks, the comparison and the plan's writes happen here
 * with blocking I/O, off the main thread (which in the desktop app also serves the UI). The
 * thread outlives a run and takes the next one (prepare-in-worker.ts keeps it warm): starting a
 * thread and loading its code cost more than a no-change re-run of 20,000 files.
 */

export interface PrepareWorkerInit {
  source: RunnerSpec['source'];
  destination: RunnerSpec['destination'];
  options: TaskOptions;
  includes: string;
  excludes: string;
  planFile: string;
  /** Per-request time limit for network locations, when set. */
  ioTimeoutMs?: number;
  /** The data folder (S3's index of written objects), when the host has one. */
  dataDir?: string;
}

export type FromPrepareWorker =
  | { type: 'progress'; counters: ExecutionCounters }
  | { type: 'unreadable'; side: 'source' | 'destination'; path: string; error: ErrorInfo }
  | { type: 'leftovers'; folder: string; names: string[] }
  | { type: 'done'; counters: ExecutionCounters }
  | { type: 'failed'; error: ErrorInfo };

/** One run at a time: `start` with what it prepares, `cancel` while it runs. */
export type ToPrepareWorker =
  { type: 'start'; init: PrepareWorkerInit; destinationExists: boolean } | { type: 'cancel' };

const PROGRESS_INTERVAL_MS = 200;

const port = parentPort;
if (!port) throw new Error('prepare-worker must run as a worker thread');
const post = (message: FromPrepareWorker): void => port.postMessage(message);
let controller = new AbortController();
port.on('message', (message: ToPrepareWorker) => {
  if (message.type === 'cancel') controller.abort();
  else void run(message.init, message.destinationExists);
});

async function run(init: PrepareWorkerInit, destinationExists: boolean): Promise<void> {
  controller = new AbortController();
  const counters = zeroCounters();
  const ticker = setInterval(() => post({ type: 'progress', counters }), PROGRESS_INTERVAL_MS);
  let plan: PlanStore | null = null;
  let source: Location | null = null;
  let destination: Location | null = null;
  try {
    const io = { inWorker: true, ioTimeoutMs: init.ioTimeoutMs, dataDir: init.dataDir };
    source = await openLocation(init.source.config, init.source.secrets, io);
    destination = await openLocation(init.destination.config, init.destination.secrets, io);
    plan = PlanStore.createAt(init.planFile);
    await prepare({
      source,
      destination,
      compare: {
        options: init.options,
        source: source.capabilities,
        destination: destination.capabilities,
      },
      filter: compileFilter(init.includes, init.excludes),
      patterns: { includes: init.includes, excludes: init.excludes },
      plan,
      counters,
      signal: controller.signal,
      destinationExists,
      onUnreadable: (side, path, error) =>
        post({ type: 'unreadable', side, path, error: toInfo(error) }),
      onLeftovers: (folder, names) => post({ type: 'leftovers', folder, names }),
    });
    plan.close();
    plan = null;
    await Promise.all([source.close(), destination.close()]);
    post({ type: 'done', counters });
  } catch (error) {
    plan?.close();
    await Promise.all([source?.close(), destination?.close()]);
    post({ type: 'failed', error: toInfo(error) });
  } finally {
    clearInterval(ticker);
  }
}

function toInfo(error: unknown): ErrorInfo {
  return error instanceof AppError
    ? error.toInfo()
    : { code: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
