import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../src-shared/errors';
import type { PlanItem } from './plan';
import type { AsWritten, ItemOutcome } from './transfer-file';
import type { RunnerSpec, TransferRunner } from './transfer-runner';
import {
  BATCH_MAX_FILE_BYTES,
  BATCH_MAX_REQUESTS,
  type FromWorker,
  type ToWorker,
  type WorkerInit,
  type WorkAnswer,
  type WorkRequest,
} from './worker-protocol';

type Request =
  | { type: 'run'; item: PlanItem }
  | {
      type: 'hash';
      side: 'source' | 'destination';
      path: string;
      size?: number;
      asWritten?: AsWritten;
    };

interface Job {
  id: number;
  signal: AbortSignal;
  /** Sent inside a batch: its answer comes with the batch's. */
  inBatch?: boolean;
  request: Request;
  /** The file it concerns, for messages. */
  path: string;
  /** The file's size when known: small ones travel in batches. */
  size: number | null;
  onBytes(bytes: number): void;
  resolve(value: unknown): void;
  reject(error: AppError): void;
}

interface Slot {
  worker: Worker;
  /** The jobs sent to this worker and not answered yet. */
  busy: Job[];
  /** Messages (one job, or a batch) sent and not answered yet: at most `lanes`. */
  inFlight: number;
  dead: boolean;
}

/**
 * A transfer thread allocates short-lived buffers and small objects per file: a small young
 * generation keeps its memory bounded (V8 otherwise grows it to 32 MiB or more per thread, and
 * the process's peak RSS with it) at the price of more, cheaper scavenges.
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** A job on a file small enough to travel in a batch. */
function isSmall(job: Job | undefined): boolean {
  return job !== undefined && job.size !== null && job.size <= BATCH_MAX_FILE_BYTES;
}

/**
 * Where the built worker lives: beside the built main code (out/main/transfer-worker.js), or,
 * when main runs from sources (unit tests), in out/main of the checkout. In a packaged app it
 * stays inside app.asar: worker threads read asar archives since Electron 17.
 */
export function builtWorkerScript(name: string): string {
  // The built code may sit in out/main or in a chunk folder below it; sources sit in src-main/engine.
  const candidates = [
    path.join(__dirname, name),
    path.join(__dirname, '..', name),
    path.resolve(__dirname, '..', '..', 'out', 'main', name),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new AppError(
      'unknown',
      `A worker script is missing (looked for ${candidates.join(', ')}); run the build first`,
    );
  }
  return found;
}

export function defaultWorkerScript(): string {
  return builtWorkerScript('transfer-worker.js');
}

/**
 * Runs items on a pool of worker threads, `lanes` messages (one item, or a batch of small ones)
 * per worker at a time: one lane for disks, several where each item waits on the network. A
 * worker that dies
 * (crash, out of memory, killed) fails its item with a message naming the file, and is replaced,
 * so the run can end cleanly. Cancel aborts the item inside the worker.
 */
export class WorkerRunner implements TransferRunner {
  readonly concurrency: number;
  readonly queueDepth: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly watched = new WeakSet<AbortSignal>();

  private readonly threads: number;
  private readonly lanes: number;

  /** `concurrency` items in flight over `threads` worker threads (default: one each). */
  constructor(
    private readonly spec: RunnerSpec,
    concurrency: number = spec.options.Parallelism,
    private readonly script: string = defaultWorkerScript(),
    threads: number = concurrency,
  ) {
    this.concurrency = concurrency;
    this.threads = Math.max(1, Math.min(threads, concurrency));
    this.lanes = Math.ceil(concurrency / this.threads);
    // Enough waiting for every worker to have a batch running and the next one queued.
    this.queueDepth = concurrency * BATCH_MAX_REQUESTS * 2;
    // Workers start on demand: a run with nothing to move starts none.
  }

  run(item: PlanItem, onBytes: (bytes: number) => void, signal: AbortSignal): Promise<ItemOutcome> {
    return this.submit(
      { type: 'run', item },
      item.path,
      item.size,
      onBytes,
      signal,
    ) as Promise<ItemOutcome>;
  }

  hash(
    side: 'source' | 'destination',
    path: string,
    signal: AbortSignal,
    size?: number,
    asWritten?: AsWritten,
  ): Promise<string> {
    return this.submit(
      { type: 'hash', side, path, size, ...(asWritten && { asWritten }) },
      path,
      size ?? null,
      () => undefined,
      signal,
    ) as Promise<string>;
  }

  private submit(
    request: Request,
    path: string,
    size: number | null,
    onBytes: (bytes: number) => void,
    signal: AbortSignal,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new AppError('cancelled', 'The transfer pool is closed'));
      if (signal.aborted) return reject(new AppError('cancelled', `Cancelled before ${path}`));
      this.watch(signal);
      const job: Job = { id: this.nextId++, signal, request, path, size, onBytes, resolve, reject };
      this.waiting.push(job);
      this.pump();
    });
  }

  /**
   * One abort listener per signal, not per job: thousands of jobs share a run's signal, and
   * adding and removing a listener per job was a measurable part of the main thread's work.
   */
  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener('abort', () => this.abortJobsOf(signal), { once: true });
  }

  /** Jobs of an aborted signal: waiting ones fail now, running ones are cancelled in their worker. */
  private abortJobsOf(signal: AbortSignal): void {
    for (const job of this.waiting.filter((j) => j.signal === signal)) {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      job.reject(new AppError('cancelled', `Cancelled before ${job.path}`));
    }
    for (const slot of this.slots) {
      for (const job of slot.busy) {
        if (job.signal === signal)
          slot.worker.postMessage({ type: 'cancel', id: job.id } satisfies ToWorker);
      }
    }
  }

  /** For fault tests: kills the worker that is copying `path`, as a crash would. */
  async killWorkerFor(itemPath: string): Promise<boolean> {
    const slot = this.slots.find((s) =>
      s.busy.some((j) => j.request.type === 'run' && j.path === itemPath),
    );
    if (!slot) return false;
    await slot.worker.terminate();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new AppError('cancelled', 'Cancelled'));
    await Promise.all(this.slots.map((s) => ((s.dead = true), s.worker.terminate())));
  }

  private spawn(): Slot {
    const init: WorkerInit = {
      source: this.spec.source,
      destination: this.spec.destination,
      options: this.spec.options,
      hashAlgorithm: this.spec.hashAlgorithm,
      bucket: this.spec.bucket.buffer,
      ...(this.spec.ioTimeoutMs === undefined ? {} : { ioTimeoutMs: this.spec.ioTimeoutMs }),
      ...(this.spec.dataDir === undefined ? {} : { dataDir: this.spec.dataDir }),
    };
    const worker = new Worker(this.script, { workerData: init, resourceLimits: WORKER_LIMITS });
    const slot: Slot = { worker, busy: [], inFlight: 0, dead: false };
    worker.on('message', (message: FromWorker) => this.receive(slot, message));
    worker.on('error', (error) => this.lose(slot, `crashed: ${error.message}`));
    worker.on('exit', (code) => this.lose(slot, `stopped (exit code ${code})`));
    return slot;
  }

  private receive(slot: Slot, message: FromWorker): void {
    if (message.type === 'batch') {
      for (const m of message.messages) this.answer(slot, m);
      slot.inFlight--;
    } else {
      this.answer(slot, message);
    }
    if (slot.inFlight < this.lanes) this.pump();
  }

  private answer(slot: Slot, message: WorkAnswer): void {
    const index = slot.busy.findIndex((j) => j.id === message.id);
    const job = slot.busy[index];
    if (!job) return;
    if (message.type === 'bytes') {
      job.onBytes(message.bytes);
      return;
    }
    slot.busy.splice(index, 1);
    if (!job.inBatch) slot.inFlight--;
    if (message.type === 'done') job.resolve(message.outcome);
    else if (message.type === 'hashed') job.resolve(message.hash);
    else job.reject(new AppError(message.error.code, message.error.message, message.error.details));
  }

  private lose(slot: Slot, how: string): void {
    if (slot.dead) return;
    slot.dead = true;
    const jobs = slot.busy.splice(0);
    for (const job of jobs) {
      job.reject(
        new AppError(
          'unknown',
          `The transfer worker ${how} while ${job.request.type === 'run' ? 'copying' : 'checking'} ${job.path}; nothing was written under that name`,
          { path: job.path, workerCrashed: true },
        ),
      );
    }
    const index = this.slots.indexOf(slot);
    if (index !== -1) this.slots.splice(index, 1);
    if (!this.closed) this.pump();
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const live = this.slots.filter((s) => !s.dead);
      // An idle worker first, then a new one while threads are left, then a free lane.
      let slot = live.find((s) => s.inFlight === 0);
      if (!slot && !this.closed && live.length < this.threads) {
        slot = this.spawn();
        this.slots.push(slot);
      }
      slot ??= live
        .filter((s) => s.inFlight < this.lanes)
        .sort((a, b) => a.inFlight - b.inFlight)[0];
      // Small files: one more batch may wait in a busy worker's queue, so it goes on to it
      // without waiting for this thread to answer and send more (it idled a third of the time).
      if (!slot && isSmall(this.waiting[0]))
        slot = live
          .filter((s) => s.inFlight <= this.lanes)
          .sort((a, b) => a.inFlight - b.inFlight)[0];
      if (!slot || this.closed) return;
      const batch = this.takeBatch();
      slot.inFlight++;
      if (batch.length > 1) for (const job of batch) job.inBatch = true;
      slot.busy.push(...batch);
      const requests = batch.map((job) => ({ ...job.request, id: job.id }) as WorkRequest);
      const message: ToWorker =
        requests.length === 1 ? (requests[0] as WorkRequest) : { type: 'batch', requests };
      slot.worker.postMessage(message);
    }
  }

  /**
   * The next job, with the small ones queued behind it when it is small too: one message there
   * and one back for up to 64 small files. Large files go one at a time, so no worker idles while
   * another has a queue.
   */
  private takeBatch(): Job[] {
    const small = isSmall;
    const first = this.waiting.shift() as Job;
    const batch = [first];
    // Leave work for idle workers: batch only what the others cannot take now.
    const share = Math.ceil(this.waiting.length / Math.max(1, this.concurrency));
    while (
      small(first) &&
      batch.length < Math.min(BATCH_MAX_REQUESTS, share + 1) &&
      small(this.waiting[0])
    ) {
      batch.push(this.waiting.shift() as Job);
    }
    return batch;
  }
}
