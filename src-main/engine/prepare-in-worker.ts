import { Worker } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import type { ExecutionCounters } from '../../src-shared/model/execution';
import type { FromPrepareWorker, PrepareWorkerInit, ToPrepareWorker } from './prepare-worker';
import { builtWorkerScript } from './worker-runner';

/** Counters PREPARING sets; the rest belong to later phases. */
const PREPARE_COUNTERS = [
  'EstimatedFilesToTransfer',
  'EstimatedBytesToTransfer',
  'EstimatedFilesToDelete',
  'FilesPrepared',
  'FilesSkipped',
] as const satisfies readonly (keyof ExecutionCounters)[];

/**
 * Runs PREPARING in a worker thread that writes the plan to `init.planFile`, copying its counters
 * into `counters` as they grow. Rejects with the worker's AppError (cancelled when `signal` fires).
 */
export function prepareInWorker(
  init: PrepareWorkerInit,
  counters: ExecutionCounters,
  signal: AbortSignal,
  onUnreadable: (side: 'source' | 'destination', path: string, error: ErrorInfo) => void,
  onProgress: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(builtWorkerScript('prepare-worker.js'), { workerData: init });
    let settled = false;
    const copy = (from: ExecutionCounters): void => {
      for (const key of PREPARE_COUNTERS) counters[key] = from[key];
      onProgress();
    };
    const onAbort = (): void => worker.postMessage({ type: 'cancel' } satisfies ToPrepareWorker);
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (error: AppError | null): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (message: FromPrepareWorker) => {
      switch (message.type) {
        case 'progress':
          copy(message.counters);
          return;
        case 'unreadable':
          onUnreadable(message.side, message.path, message.error);
          return;
        case 'done':
          copy(message.counters);
          finish(null);
          return;
        case 'failed':
          finish(new AppError(message.error.code, message.error.message, message.error.details));
          return;
      }
    });
    worker.on('error', (error) =>
      finish(new AppError('unknown', `PREPARING stopped: ${error.message}`)),
    );
    worker.on('exit', (code) =>
      finish(new AppError('unknown', `PREPARING stopped unexpectedly (exit code ${code})`)),
    );
  });
}
