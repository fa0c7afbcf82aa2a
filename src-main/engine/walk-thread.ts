import { Worker } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import { cancelledError } from '../locations/abort';
import type { EntryCursor, WalkedEntry } from './tree-walk';
import { decodeBatch, type FromWalkWorker, type ToWalkWorker, type WalkSpec } from './walk-batch';
import { builtWorkerScript, WORKER_LIMITS } from './worker-runner';

/*
 * PREPARING's walk of one local folder in a thread of its own (walk-worker.ts): what walkTree
 * yields, while the calling thread walks the other side. The thread outlives the walk and takes
 * the next one (a process that runs many executions starts it once); unreferenced while idle,
 * so it never keeps a process alive.
 */

export interface ThreadWalkHandlers {
  /** As WalkOptions.onUnreadable; without it, a folder that cannot be listed ends the walk. */
  onUnreadable?: (path: string, error: AppError) => void;
  /** As WalkOptions.onTemporaries. */
  onTemporaries?: (folder: string, names: string[]) => void;
}

let idle: { worker: Worker; forget(): void } | null = null;
let script: string | null | undefined;

/**
 * Whether walks can run in a thread: the built walk-worker.js is there (it is not when main
 * runs from sources without a build; the walk then stays on the calling thread).
 */
export function canWalkInThread(): boolean {
  if (script === undefined) {
    try {
      script = builtWorkerScript('walk-worker.js');
    } catch {
      script = null;
    }
  }
  return script !== null;
}
let threadsStarted = 0;

/** How many walk threads this process started (tests: a kept one is reused). */
export function walkThreadsStarted(): number {
  return threadsStarted;
}

function startThread(): Worker {
  threadsStarted++;
  return new Worker(script ?? builtWorkerScript('walk-worker.js'), {
    resourceLimits: WORKER_LIMITS,
  });
}

function takeThread(): Worker {
  const kept = idle;
  idle = null;
  if (kept) {
    kept.forget();
    kept.worker.ref();
    return kept.worker;
  }
  return startThread();
}

function keepThread(worker: Worker): void {
  if (idle) {
    void worker.terminate();
    return;
  }
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
 * walkTree over the local folder `spec.root` with `spec`'s options, run in a thread: yields
 * the same entries in the same order, and calls the handlers where walkTree would call its own
 * (in the same order relative to the entries). Throws what walkTree throws (as an AppError
 * with the same code and message), AppError('cancelled') when `signal` fires, and
 * AppError('unknown') when the thread dies. A walk left before its end stops its thread.
 */
export async function* walkTreeInThread(
  spec: Omit<WalkSpec, 'reportsUnreadable'>,
  signal: AbortSignal,
  handlers: ThreadWalkHandlers = {},
): AsyncGenerator<WalkedEntry> {
  const cursor = threadCursor(spec, signal, handlers);
  try {
    for (;;) {
      const next = cursor.next();
      const entry = next instanceof Promise ? await next : next;
      if (entry === undefined) return;
      yield entry;
    }
  } finally {
    cursor.close();
  }
}

/**
 * walkTreeInThread as an EntryCursor: an entry at once while a batch has more. `close` stops
 * a walk left before its end (its thread goes); after the end it does nothing.
 */
export function threadCursor(
  spec: Omit<WalkSpec, 'reportsUnreadable'>,
  signal: AbortSignal,
  handlers: ThreadWalkHandlers = {},
): EntryCursor & { close(): void } {
  return new ThreadCursor(spec, signal, handlers);
}

class ThreadCursor implements EntryCursor {
  private worker: Worker | null = null;
  private started = false;
  /** The walk said it ended (or failed): nothing more will come. */
  private ended = false;
  private lost: AppError | null = null;
  private readonly credits = new Int32Array(new SharedArrayBuffer(4));
  private readonly queue: FromWalkWorker[] = [];
  private batch: WalkedEntry[] = [];
  private index = 0;
  private wake: (() => void) | null = null;

  constructor(
    private readonly spec: Omit<WalkSpec, 'reportsUnreadable'>,
    private readonly signal: AbortSignal,
    private readonly handlers: ThreadWalkHandlers,
  ) {}

  next(): WalkedEntry | undefined | Promise<WalkedEntry | undefined> {
    const entry = this.batch[this.index];
    if (entry === undefined) return this.fetch();
    this.index++;
    return entry;
  }

  close(): void {
    this.release(false);
  }

  private readonly rouse = (): void => {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  };

  private readonly onMessage = (message: FromWalkWorker): void => {
    this.queue.push(message);
    this.rouse();
  };

  private readonly onError = (error: Error): void => {
    this.lost ??= new AppError('unknown', `Listing ${this.spec.root} stopped: ${error.message}`);
    this.rouse();
  };

  private readonly onExit = (code: number): void => {
    this.lost ??= new AppError('unknown', `Listing ${this.spec.root} stopped (exit code ${code})`);
    this.rouse();
  };

  private begin(): void {
    this.started = true;
    const worker = takeThread();
    this.worker = worker;
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
    this.signal.addEventListener('abort', this.rouse);
    worker.postMessage({
      type: 'start',
      spec: { ...this.spec, reportsUnreadable: this.handlers.onUnreadable !== undefined },
      credits: this.credits.buffer as SharedArrayBuffer,
    } satisfies ToWalkWorker);
  }

  /** Done with the thread: kept for the next walk when the walk ended, else stopped. */
  private release(ended: boolean): void {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    this.signal.removeEventListener('abort', this.rouse);
    worker.off('message', this.onMessage);
    worker.off('error', this.onError);
    worker.off('exit', this.onExit);
    // Left midway (cancelled, the other side failed), it may be waiting for credits: it goes.
    if (ended && !this.lost) keepThread(worker);
    else void worker.terminate();
  }

  private async fetch(): Promise<WalkedEntry | undefined> {
    if (!this.started) this.begin();
    for (;;) {
      if (this.ended) return undefined;
      if (this.signal.aborted) throw cancelledError(this.spec.root);
      const message = this.queue.shift();
      if (message === undefined) {
        if (this.lost) throw this.lost;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      switch (message.type) {
        case 'batch': {
          this.batch = decodeBatch(message.batch);
          this.index = 0;
          Atomics.add(this.credits, 0, 1);
          Atomics.notify(this.credits, 0);
          const first = this.batch[0];
          if (first === undefined) break;
          this.index = 1;
          return first;
        }
        case 'unreadable':
          this.handlers.onUnreadable?.(message.path, toError(message.error));
          break;
        case 'temporaries':
          this.handlers.onTemporaries?.(message.folder, message.names);
          break;
        case 'end':
          this.ended = true;
          this.release(true);
          return undefined;
        case 'failed':
          this.ended = true;
          this.release(true);
          throw toError(message.error);
      }
    }
  }
}

function toError(info: ErrorInfo): AppError {
  return new AppError(info.code, info.message, info.details);
}
