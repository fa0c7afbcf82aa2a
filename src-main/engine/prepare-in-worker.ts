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
 * The thread of the last PREPARING that ended well, kept for the next run of this process (the
 * app and the web host run many): a run then starts no thread and loads no code. Unreferenced
 * while idle, so it never keeps a process alive.
 */
let idle: { worker: Worker; forget(): void } | null = null;

let threadsStarted = 0;

/** How many PREPARING threads this process started (tests: a kept one is reused). */
export function prepareThreadsStarted(): number {
  return threadsStarted;
}

function takeWorker(): Worker {
  const kept = idle;
  idle = null;
  if (kept) {
    kept.forget();
    kept.worker.ref();
    return kept.worker;
  }
  threadsStarted++;
  return new Worker(builtWorkerScript('prepare-worker.js'), { resourceLimits: WORKER_LIMITS });
}

/** Keeps a thread whose run ended (its run's listeners already removed) for the next run. */
function keepWorker(worker: Worker): void {
  if (idle) {
    void worker.terminate();
    return;
  }
  // A kept thread that dies is simply not reused. (Only our own listeners are ever removed:
  // Worker keeps its message port referenced through listeners of its own.)
  const onError = (): void => undefined;
  const onExit = (): void => {
    if (idle?.worker === worker) idle = null;
  };
  worker.on('error', onError);
  worker.on('exit', onExit);
  worker.unref();
  idle = {
    worker,
    forget: () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
    },
  };
}

/**
 * Readies a worker thread for PREPARING (a kept one, or a new one started now so its start-up
 * overlaps LAUNCHING) that will write the plan to `init.planFile`, copying its counters into
 * `counters` as they grow and passing on the temporaries the destination's listings saw
 * (`onLeftovers`). `run` rejects with the worker's AppError (cancelled when `signal` fires).
 */
export function startPrepareWorker(
  init: PrepareWorkerInit,
  counters: ExecutionCounters,
  signal: AbortSignal,
  onUnreadable: (side: 'source' | 'destination', path: string, error: ErrorInfo) => void,
  onProgress: () => void,
  onLeftovers?: (folder: string, names: string[]) => void,
): PrepareWorker {
  const worker = takeWorker();
  let started = false;
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
  const onMessage = (message: FromPrepareWorker): void => {
    switch (message.type) {
      case 'progress':
        copy(message.counters);
        return;
      case 'unreadable':
        onUnreadable(message.side, message.path, message.error);
        return;
      case 'leftovers':
        onLeftovers?.(message.folder, message.names);
        return;
      case 'done':
        copy(message.counters);
        release();
        finish(null);
        return;
      case 'failed':
        release();
        finish(new AppError(message.error.code, message.error.message, message.error.details));
        return;
    }
  };
  const onError = (error: Error): void =>
    finish(new AppError('unknown', `PREPARING stopped: ${error.message}`));
  const onExit = (code: number): void =>
    finish(new AppError('unknown', `PREPARING stopped unexpectedly (exit code ${code})`));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  /** This run is done with the thread: it goes back to be kept. */
  const release = (): void => {
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    keepWorker(worker);
  };
  return {
    run: (destinationExists) =>
      new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
        if (outcome !== undefined) return settle(outcome);
        started = true;
        worker.postMessage({ type: 'start', init, destinationExists } satisfies ToPrepareWorker);
      }),
    cancel: () => {
      if (outcome !== undefined) return;
      finish(new AppError('cancelled', 'Cancelled'));
      // Never started: the thread is as good as new. Stopped mid-run: it goes.
      if (started) void worker.terminate();
      else release();
    },
  };
}
