import { parentPort, workerData } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import { zeroCounters, type ExecutionCounters } from '../../src-shared/model/execution';
import type { TaskOptions } from '../../src-shared/model/task';
import { openLocation } from '../locations/open-location';
import { compileFilter } from './filters';
import { prepare } from './phases/prepare';
import { PlanStore } from './plan-store';
import type { RunnerSpec } from './transfer-runner';

/*
 * PREPARING in a worker thread: the two walks, the comparison and the plan's writes happen here
 * with blocking I/O, off the main thread (which in the desktop app also serves the UI).
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
}

export type FromPrepareWorker =
  | { type: 'progress'; counters: ExecutionCounters }
  | { type: 'unreadable'; side: 'source' | 'destination'; path: string; error: ErrorInfo }
  | { type: 'done'; counters: ExecutionCounters }
  | { type: 'failed'; error: ErrorInfo };

/** The worker starts early (while LAUNCHING runs) and waits for `start`. */
export type ToPrepareWorker = { type: 'start'; destinationExists: boolean } | { type: 'cancel' };

const PROGRESS_INTERVAL_MS = 200;

const init = workerData as PrepareWorkerInit;
const port = parentPort;
if (!port) throw new Error('prepare-worker must run as a worker thread');
const post = (message: FromPrepareWorker): void => port.postMessage(message);
const controller = new AbortController();
port.on('message', (message: ToPrepareWorker) => {
  if (message.type === 'cancel') controller.abort();
  else void run(message.destinationExists);
});

async function run(destinationExists: boolean): Promise<void> {
  const counters = zeroCounters();
  const ticker = setInterval(() => post({ type: 'progress', counters }), PROGRESS_INTERVAL_MS);
  let plan: PlanStore | null = null;
  try {
    const io = { inWorker: true, ioTimeoutMs: init.ioTimeoutMs };
    const source = await openLocation(init.source.config, init.source.secrets, io);
    const destination = await openLocation(init.destination.config, init.destination.secrets, io);
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
      plan,
      counters,
      signal: controller.signal,
      destinationExists,
      onUnreadable: (side, path, error) =>
        post({ type: 'unreadable', side, path, error: toInfo(error) }),
    });
    plan.close();
    plan = null;
    post({ type: 'done', counters });
  } catch (error) {
    post({ type: 'failed', error: toInfo(error) });
  } finally {
    clearInterval(ticker);
    plan?.close();
    parentPort?.close();
  }
}

function toInfo(error: unknown): ErrorInfo {
  return error instanceof AppError
    ? error.toInfo()
    : { code: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
