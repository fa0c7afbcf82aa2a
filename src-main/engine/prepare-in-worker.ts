import { Worker } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import type { ExecutionCounters } from '../../src-shared/model/execution';
import type { FromPrepareWorker, PrepareWorkerInit, ToPrepareWorker } from './prepare-worker';
import { builtWorkerScript, WORKER_LIMITS } from './worker-runner';

/** Counters PREPARING sets; the rest belong to later phases. */
const PREPARE_COUNTERS = [
  'EstimatedFilesToTransfer',
  'EstimatedBytesToTransfer',
  'EstimatedFilesToDelete',
  'FilesPrepared',
  'FilesSkipped',
] as const satisfies readonly (keyof ExecutionCounters)[];

/** A PREPARING worker started ahead of time; `run` sets it going, `cancel` stops it. */
export interface PrepareWorker {
  run(destinationExists: boolean): Promise<void>;
  /** Stops it, whether it started or not. Idempotent. */
  cancel(): void;
}

/**
 * Starts a worker thread for PREPARING that will write the plan to `init.planFile`, copying its
 * counters into `counters` as they grow. Starting it before LAUNCHING ends hides the thread's
 * start-up. `run` rejects with the worker's AppError (cancelled when `signal` fires).
 */
export function startPrepareWorker(
  init: PrepareWorkerInit,
  counters: ExecutionCounters,
  signal: AbortSignal,
  onUnreadable: (side: 'source' | 'destination', path: string, error: ErrorInfo) => void,
  onProgress: () => void,
): PrepareWorker {
  const worker = new Worker(builtWorkerScript('prepare-worker.js'), {
    workerData: init,
    resourceLimits: WORKER_LIMITS,
  });
  let settle: ((error: AppError | null) => void) | null = null;
  let outcome: AppError | null | undefined;
  const finish = (error: AppError | null): void => {
    if (outcome !== undefined) return;
    outcome = error;
    signal.removeEventListener('abort', onAbort);
    settle?.(error);
  };
  const copy = (from: ExecutionCounters): void => {
    for (const key of PREPARE_COUNTERS) counters[key] = from[key];
    onProgress();
  };
  const onAbort = (): void => worker.postMessage({ type: 'cancel' } satisfies ToPrepareWorker);
  signal.addEventListener('abort', onAbort, { once: true });
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
  return {
    run: (destinationExists) =>
      new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
        if (outcome !== undefined) return settle(outcome);
        worker.postMessage({ type: 'start', destinationExists } satisfies ToPrepareWorker);
      }),
    cancel: () => {
      finish(new AppError('cancelled', 'Cancelled'));
      void worker.terminate();
    },
  };
}
