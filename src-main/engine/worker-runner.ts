import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../src-shared/errors';
import { parentOfRelative } from '../locations/relative-path';
import type { PlanItem } from './plan';
import type { AsWritten, ItemOutcome } from './transfer-file';
import type { RunnerSpec } from './transfer-runner';
import {
  BATCH_MAX_FILE_BYTES,
  BATCH_MAX_REQUESTS,
  type FromWorker,
  type GroupAnswer,
  type GroupRequest,
  type GroupRunner,
  type HashRequest,
  type ToWorker,
  type WorkerInit,
  type WorkAnswer,
  type WorkRequest,
} from './worker-protocol';

type Request =
  | { type: 'run'; item: PlanItem }
  | ({ type: 'hash' } & HashRequest)
  | { type: 'group'; requests: GroupRequest[] };

/** The error for each file of a job that did not run to its end, by the file's path. */
type Failure = (path: string) => AppError;

interface Job {
  id: number;
  signal: AbortSignal;
  /** Sent inside a batch: its answer comes with the batch's. */
  inBatch?: boolean;
  request: Request;
  /** The file it concerns (a group's first), for messages. */
  path: string;
  /** The file's size when known: small ones travel in batches. */
  size: number | null;
  /** A group's folder (its first file's): each thread keeps to folders of its own. */
  folder: string | null;
  onBytes(bytes: number): void;
  /** Settles the job with the answer the worker gave. */
  answer(message: WorkAnswer | Extract<FromWorker, { type: 'group' }>): void;
  /** Settles the job as not run to its end: each of its files with the failure's error. */
  fail(failure: Failure): void;
}

interface Slot {
  worker: Worker;
  /** The jobs sent to this worker and not answered yet. */
  busy: Job[];
  /** Messages (one job, a batch or a group) sent and not answered yet: at most `lanes`. */
  inFlight: number;
  dead: boolean;
  /** The folder of the last group it was given. */
  folder: string | null;
}

/** Groups kept handed to the runner per thread: enough to hold the next folders' groups too. */
const GROUPS_PER_THREAD = 16;
/** How far down the waiting jobs a thread looks for a group of its folder. */
const AFFINITY_LOOKAHEAD = 64;

const pathOf = (request: GroupRequest): string =>
  request.type === 'run' ? request.item.path : request.path;

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
 * per worker at a time: one lane for disks, several where each item waits on the network. With
 * one lane the engine hands small items over in groups (runGroup, hashGroup): one message and
 * one answer per group instead of a job, a promise and messages per file, and each thread keeps
 * to folders no other thread is writing in (creating files in one folder from two threads makes
 * them wait on its lock). A worker that dies (crash, out of memory, killed) fails its items with
 * a message naming each file, and is replaced, so the run can end cleanly. Cancel aborts the
 * item inside the worker.
 */
export class WorkerRunner implements GroupRunner {
  readonly concurrency: number;
  readonly queueDepth: number;
  readonly groupsInFlight: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  private pumpScheduled = false;
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
    // A group runs its items one after the other on its thread: with one lane per thread items
    // ran that way anyway. With several lanes (network stores) they keep their adaptive batches.
    this.groupsInFlight = this.lanes === 1 ? this.threads * GROUPS_PER_THREAD : 0;
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

  runGroup(items: PlanItem[], signal: AbortSignal): Promise<GroupAnswer[]> {
    return this.submitGroup(
      items.map((item) => ({ type: 'run', item })),
      signal,
    );
  }

  hashGroup(requests: HashRequest[], signal: AbortSignal): Promise<GroupAnswer[]> {
    return this.submitGroup(
      requests.map((request) => ({ type: 'hash', ...request })),
      signal,
    );
  }

  startThreads(items: number): void {
    const wanted = Math.min(this.threads, items);
    while (!this.closed && this.slots.filter((s) => !s.dead).length < wanted)
      this.slots.push(this.spawn());
  }

  private submit(
    request: Request,
    path: string,
    size: number | null,
    onBytes: (bytes: number) => void,
    signal: AbortSignal,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.enqueue({
        id: this.nextId++,
        signal,
        request,
        path,
        size,
        folder: null,
        onBytes,
        answer: (message) => {
          if (message.type === 'done') resolve(message.outcome);
          else if (message.type === 'hashed') resolve(message.hash);
          else if (message.type === 'failed') {
            const { code, message: text, details } = message.error;
            reject(new AppError(code, text, details));
          }
        },
        fail: (failure) => reject(failure(path)),
      });
    });
  }

  /** One job for a whole group; whatever stops it becomes each of its files' answer. */
  private submitGroup(requests: GroupRequest[], signal: AbortSignal): Promise<GroupAnswer[]> {
    const first = requests[0];
    if (!first) return Promise.resolve([]);
    const path = pathOf(first);
    return new Promise((resolve) => {
      this.enqueue({
        id: this.nextId++,
        signal,
        request: { type: 'group', requests },
        path,
        size: null,
        folder: parentOfRelative(path),
        onBytes: () => undefined,
        answer: (message) => {
          if (message.type === 'group') resolve(message.answers);
        },
        fail: (failure) =>
          resolve(requests.map((r) => ({ read: 0, error: failure(pathOf(r)).toInfo() }))),
      });
    });
  }

  private enqueue(job: Job): void {
    if (this.closed) {
      job.fail(() => new AppError('cancelled', 'The transfer pool is closed'));
      return;
    }
    if (job.signal.aborted) {
      job.fail((p) => new AppError('cancelled', `Cancelled before ${p}`));
      return;
    }
    this.watch(job.signal);
    this.waiting.push(job);
    // Groups are handed over after the engine has queued the ones it has at hand, so that each
    // new thread starts in a folder of its own rather than in the first group's.
    if (job.request.type === 'group') this.pumpSoon();
    else this.pump();
  }

  private pumpSoon(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
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
      job.fail((p) => new AppError('cancelled', `Cancelled before ${p}`));
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
    const copies = (job: Job): boolean =>
      job.request.type === 'group'
        ? job.request.requests.some((r) => r.type === 'run' && r.item.path === itemPath)
        : job.request.type === 'run' && job.path === itemPath;
    const slot = this.slots.find((s) => s.busy.some(copies));
    if (!slot) return false;
    await slot.worker.terminate();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0))
      job.fail(() => new AppError('cancelled', 'Cancelled'));
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
    const slot: Slot = { worker, busy: [], inFlight: 0, dead: false, folder: null };
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

  private answer(slot: Slot, message: WorkAnswer | Extract<FromWorker, { type: 'group' }>): void {
    const index = slot.busy.findIndex((j) => j.id === message.id);
    const job = slot.busy[index];
    if (!job) return;
    if (message.type === 'bytes') {
      job.onBytes(message.bytes);
      return;
    }
    slot.busy.splice(index, 1);
    if (!job.inBatch) slot.inFlight--;
    job.answer(message);
  }

  private lose(slot: Slot, how: string): void {
    if (slot.dead) return;
    slot.dead = true;
    const jobs = slot.busy.splice(0);
    for (const job of jobs) {
      const { request } = job;
      const hashing =
        request.type === 'hash' ||
        (request.type === 'group' && request.requests[0]?.type === 'hash');
      const doing = hashing ? 'checking' : 'copying';
      job.fail(
        (p) =>
          new AppError(
            'unknown',
            `The transfer worker ${how} while ${doing} ${p}; nothing was written under that name`,
            { path: p, workerCrashed: true },
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
      if (!slot && queuesBehind(this.waiting[0]))
        slot = live
          .filter((s) => s.inFlight <= this.lanes)
          .sort((a, b) => a.inFlight - b.inFlight)[0];
      if (!slot || this.closed) return;
      const batch = this.takeFor(slot, live);
      slot.inFlight++;
      if (batch.length > 1) for (const job of batch) job.inBatch = true;
      slot.busy.push(...batch);
      slot.worker.postMessage(messageFor(batch));
    }
  }

  /**
   * The next job for `slot`. A group: one of the folder the thread was last given, else one of
   * a folder no other thread is in, else the first. Otherwise the first job, with the small
   * ones queued behind it when it is small too: one message there and one back for up to 64
   * small files. Large files go one at a time, so no worker idles while another has a queue.
   */
  private takeFor(slot: Slot, live: Slot[]): Job[] {
    const head = this.waiting[0] as Job;
    if (head.request.type === 'group') {
      const others = new Set(live.filter((s) => s !== slot).map((s) => s.folder));
      const reach = Math.min(this.waiting.length, AFFINITY_LOOKAHEAD);
      let pick = -1;
      let free = -1;
      for (let i = 0; i < reach && pick === -1; i++) {
        const job = this.waiting[i] as Job;
        if (job.request.type !== 'group') break;
        if (job.folder === slot.folder) pick = i;
        else if (free === -1 && !others.has(job.folder)) free = i;
      }
      const index = pick !== -1 ? pick : free !== -1 ? free : 0;
      const [job] = this.waiting.splice(index, 1) as [Job];
      slot.folder = job.folder;
      return [job];
    }
    const first = this.waiting.shift() as Job;
    const batch = [first];
    // Leave work for idle workers: batch only what the others cannot take now.
    const share = Math.ceil(this.waiting.length / Math.max(1, this.concurrency));
    while (
      isSmall(first) &&
      batch.length < Math.min(BATCH_MAX_REQUESTS, share + 1) &&
      isSmall(this.waiting[0])
    ) {
      batch.push(this.waiting.shift() as Job);
    }
    return batch;
  }
}

/** A job that may wait queued behind a busy worker's: a group, or a small file. */
function queuesBehind(job: Job | undefined): boolean {
  return job?.request.type === 'group' || isSmall(job);
}

/** The message for the jobs taken: one request, a batch of them, or a group. */
function messageFor(batch: Job[]): ToWorker {
  const requests = batch.map((job) => ({ ...job.request, id: job.id }));
  const one = requests[0] as ToWorker;
  return requests.length === 1 ? one : { type: 'batch', requests: requests as WorkRequest[] };
}
