import { posixLossNotice } from './metadata-notice';
import { rmSync } from 'node:fs';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import { PHASES, zeroCounters, type Execution, type Phase } from '../../src-shared/model/execution';
import type { TaskOptions } from '../../src-shared/model/task';
import type { Location } from '../locations/location';
import type { CreateOptions } from '../locations/registry';
import { parentOfRelative } from '../locations/relative-path';
import { chooseContentHash } from './content-hash';
import { compileFilter } from './filters';
import { launch } from './phases/launch';
import { prepare } from './phases/prepare';
import { startPrepareWorker, type PrepareWorker } from './prepare-in-worker';
import { toAppError, transfer } from './phases/transfer';
import { verify } from './phases/verify';
import { PlanStore } from './plan-store';
import { ProgressTracker } from './progress';
import { RetryGate, type EngineLimits } from './retry-policy';
import { RunContext, type ExecutionSink } from './run-context';
import { runOutcomeError } from './run-outcome';
import { SharedTokenBucket } from './throttle';
import {
  createInlineRunner,
  effectiveConcurrency,
  threadsFor,
  type RunnerSpec,
  type TransferRunner,
} from './transfer-runner';
import { WorkerRunner } from './worker-runner';
import { capYoungGeneration } from './young-generation';

export interface ExecutionSpec {
  executionId: string;
  taskId: string;
  source: RunnerSpec['source'];
  destination: RunnerSpec['destination'];
  options: TaskOptions;
  includes: string;
  excludes: string;
  /** Stop after PREPARING: the plan and its counters, nothing moved (rclone's --dry-run). */
  dryRun?: boolean;
}

export interface EngineDeps {
  /** A location for a config: sync, or loaded on demand (openLocation loads only its kind). */
  createLocation(
    config: RunnerSpec['source']['config'],
    secrets: RunnerSpec['source']['secrets'],
    options?: CreateOptions,
  ): Location | Promise<Location>;
  /** The data folder, for what locations keep there (S3's index of written objects). */
  dataDir?: string;
  /** I/O time limit and retry window for every execution of this process (default: none set). */
  limits?: EngineLimits;
  /** PREPARING on the main thread even when a worker could do it (tests). */
  prepareInline?: boolean;
  /**
   * This process has no UI to keep responsive (the CLI): its locations use blocking I/O on the
   * main thread and PREPARING runs there, instead of paying for a thread start on every run.
   */
  mainThreadMayBlock?: boolean;
  /** Defaults to worker threads when both locations can be re-created in a worker, else inline. */
  createRunner?(spec: RunnerSpec, source: Location, destination: Location): TransferRunner;
}

const UPDATE_INTERVAL_MS = 1000;
/**
 * Plans this small are transferred on the main thread: starting a worker thread and loading its
 * code (about 0.1 s) costs more than copying them.
 */
const INLINE_MAX_FILES = 16;
const INLINE_MAX_BYTES = 16 * 1024 * 1024;
/**
 * The young generation of a main thread that runs a transfer itself (the CLI): V8 would grow it
 * to 128 MiB; 16 MiB held 5,000 x 4 KiB local -> S3 at 179-181 MiB peak instead of 274.
 */
const MAIN_YOUNG_GENERATION_MB = 16;

/** A fresh execution record in QUEUED. */
export function newExecution(id: string, taskId: string, options: TaskOptions): Execution {
  const phases = Object.fromEntries(
    PHASES.map((p) => [p, { status: 'PENDING', startedAt: null, durationMs: null }]),
  ) as Execution['phases'];
  return {
    id,
    taskId,
    status: 'QUEUED',
    phases,
    counters: zeroCounters(),
    startTime: Date.now(),
    launchTime: null,
    endTime: null,
    bytesPerSecond: options.BytesPerSecond,
    error: null,
    interrupted: false,
  };
}

/**
 * Runs one task execution through DataSync's phases: LAUNCHING, PREPARING, TRANSFERRING,
 * VERIFYING, and ends SUCCESS, ERROR or CANCELLED. Never rejects: every failure ends up in the
 * execution's status and error. Cancel stops promptly and leaves nothing half-written under a
 * final name; the bandwidth limit can change while it runs.
 */
export class ExecutionRunner {
  readonly execution: Execution;
  private readonly controller = new AbortController();
  private readonly bucket: SharedTokenBucket;
  private runner: TransferRunner | null = null;
  /** Folders where a worker died mid-write, cleaned up when the run ends. */
  private readonly crashedFolders = new Set<string>();
  /** The temporary folder of a plan a worker wrote, removed when the run ends. */
  private planDir: string | null = null;
  private planFile: string | null = null;
  private prepareWorker: PrepareWorker | null = null;
  /** The temporaries PREPARING's destination listings saw, by folder (phases/leftovers.ts). */
  private readonly leftovers = new Map<string, string[]>();
  private readonly noteLeftovers = (folder: string, names: string[]): void =>
    void this.leftovers.set(folder, names);

  constructor(
    private readonly spec: ExecutionSpec,
    private readonly sink: ExecutionSink,
    private readonly deps: EngineDeps,
    execution?: Execution,
  ) {
    this.execution = execution ?? newExecution(spec.executionId, spec.taskId, spec.options);
    this.bucket = new SharedTokenBucket(spec.options.BytesPerSecond);
  }

  /** Asks the run to stop; it goes through CANCELLING to CANCELLED. Idempotent. */
  cancel(): void {
    if (this.controller.signal.aborted) return;
    if (this.execution.status !== 'SUCCESS' && this.execution.status !== 'ERROR') {
      this.execution.status = 'CANCELLING';
      this.sink.update(this.execution);
    }
    this.controller.abort();
  }

  /** Changes BytesPerSecond for all transfers at once (-1 = unlimited). */
  setBandwidth(bytesPerSecond: number): void {
    this.bucket.setRate(bytesPerSecond);
    this.execution.bytesPerSecond = bytesPerSecond;
    this.sink.update(this.execution);
  }

  /** The transfer runner in use, for fault tests. */
  get transferRunner(): TransferRunner | null {
    return this.runner;
  }

  async run(): Promise<Execution> {
    const { execution, spec, sink } = this;
    const signal = this.controller.signal;
    const progress = new ProgressTracker(execution, (p) => sink.progress(p));
    const updates = setInterval(() => sink.update(execution), UPDATE_INTERVAL_MS);
    updates.unref?.();
    progress.start();
    let source: Location | null = null;
    let destination: Location | null = null;
    let plan: PlanStore | null = null;
    // Kept outside the try so a cancelled or failed run still writes its last report lines.
    let context: RunContext | null = null;
    let phase: Phase = 'LAUNCHING';
    try {
      execution.launchTime = Date.now();
      const io = { ...this.ioOptions(), inWorker: this.deps.mainThreadMayBlock ?? false };
      source = await this.deps.createLocation(spec.source.config, spec.source.secrets, io);
      destination = await this.deps.createLocation(
        spec.destination.config,
        spec.destination.secrets,
        io,
      );
      const filter = compileFilter(spec.includes, spec.excludes);
      const src = source;
      const dst = destination;
      const unreadable: { side: 'source' | 'destination'; path: string; error: ErrorInfo }[] = [];
      const onUnreadable = (side: 'source' | 'destination', path: string, error: unknown): void => {
        const info = toAppError(error);
        unreadable.push({ side, path, error: info.toInfo() });
        this.log('error', `Could not list ${side} folder ${path}: ${info.message}`);
      };

      // The PREPARING thread starts now, so its start-up overlaps LAUNCHING.
      this.startPrepareWorker(src, dst, progress, onUnreadable);
      let destinationExists = true;
      await this.phase('LAUNCHING', progress, async () => {
        ({ destinationExists } = await launch(src, dst, signal, spec.dryRun ?? false));
      });
      phase = 'PREPARING';
      await this.phase('PREPARING', progress, async () => {
        plan = await this.prepare(src, dst, filter, destinationExists, progress, onUnreadable);
      });
      const ctx = new RunContext(
        execution,
        spec.options,
        src,
        dst,
        plan as unknown as PlanStore,
        signal,
        progress,
        sink,
        new RetryGate(this.deps.limits?.retryForMs),
      );
      context = ctx;
      for (const u of unreadable) ctx.folderUnreadable(u.side, u.path, u.error);
      ctx.leftovers = this.leftovers;
      ctx.covers = (path) => filter.accepts(path);
      ctx.logAlways(
        'info',
        `Prepared: ${execution.counters.EstimatedFilesToTransfer} files (${execution.counters.EstimatedBytesToTransfer} bytes) to transfer, ${execution.counters.EstimatedFilesToDelete} to delete`,
      );
      const lost = posixLossNotice(ctx.plan.items(['copy', 'update']), spec.options, src, dst);
      if (lost) ctx.logAlways('warn', lost);
      if (spec.dryRun) {
        this.skipPhase('TRANSFERRING');
        this.skipPhase('VERIFYING');
        ctx.logAlways('info', 'Dry run: nothing was transferred or deleted');
        this.finish('SUCCESS');
        return execution;
      }
      phase = 'TRANSFERRING';
      this.runner = this.createRunner(src, dst);
      const runner = this.runner;
      await this.phase('TRANSFERRING', progress, () => transfer(ctx, runner));
      phase = 'VERIFYING';
      if (spec.options.VerifyMode === 'NONE') this.skipPhase('VERIFYING');
      else await this.phase('VERIFYING', progress, () => verify(ctx, filter, runner));
      await this.closeRunner();
      ctx.flushReport();

      // Failed files, unreadable folders and entries left behind all end the run ERROR.
      const problem = runOutcomeError(ctx);
      if (problem) {
        execution.error = problem;
        this.finish('ERROR');
      } else {
        this.finish('SUCCESS');
      }
    } catch (error) {
      const info = toAppError(error);
      const crashedPath = info.details?.workerCrashed ? info.details.path : undefined;
      if (typeof crashedPath === 'string') this.crashedFolders.add(parentOfRelative(crashedPath));
      this.markPhase(phase, signal.aborted ? 'CANCELLED' : 'ERROR');
      if (signal.aborted || info.code === 'cancelled') {
        execution.error = { code: 'cancelled', message: 'Cancelled by the user' };
        this.finish('CANCELLED');
      } else {
        execution.error = info.toInfo();
        this.log('error', info.message);
        this.finish('ERROR');
      }
    } finally {
      clearInterval(updates);
      this.prepareWorker?.cancel();
      await this.closeRunner();
      (context as RunContext | null)?.flushReport();
      if (destination) await this.removeCrashLeftovers(destination);
      await Promise.all([source?.close(), destination?.close()]);
      (plan as PlanStore | null)?.dispose();
      if (this.planDir) rmSync(this.planDir, { recursive: true, force: true });
      progress.stop();
      sink.update(execution);
    }
    return execution;
  }

  /**
   * Starts PREPARING's worker thread when both locations can live in one (blocking I/O, off the
   * main thread); otherwise PREPARING runs here.
   */
  private startPrepareWorker(
    source: Location,
    destination: Location,
    progress: ProgressTracker,
    onUnreadable: (side: 'source' | 'destination', path: string, error: unknown) => void,
  ): void {
    const threads =
      !this.deps.prepareInline &&
      !this.deps.mainThreadMayBlock &&
      source.capabilities.shareableAcrossThreads &&
      destination.capabilities.shareableAcrossThreads;
    if (!threads) return;
    const { dir, file } = PlanStore.temporaryFile();
    this.planDir = dir;
    this.planFile = file;
    this.prepareWorker = startPrepareWorker(
      {
        source: this.spec.source,
        destination: this.spec.destination,
        options: this.spec.options,
        includes: this.spec.includes,
        excludes: this.spec.excludes,
        planFile: file,
        ...this.ioOptions(),
      },
      this.execution.counters,
      this.controller.signal,
      (side, path, error) =>
        onUnreadable(side, path, new AppError(error.code, error.message, error.details)),
      () => progress.touch(),
      this.noteLeftovers,
    );
  }

  /** PREPARING, in the worker started for it or here. Resolves with the plan, ready to read. */
  private async prepare(
    source: Location,
    destination: Location,
    filter: ReturnType<typeof compileFilter>,
    destinationExists: boolean,
    progress: ProgressTracker,
    onUnreadable: (side: 'source' | 'destination', path: string, error: unknown) => void,
  ): Promise<PlanStore> {
    const { spec, execution } = this;
    const signal = this.controller.signal;
    if (this.prepareWorker && this.planFile) {
      await this.prepareWorker.run(destinationExists);
      return PlanStore.open(this.planFile, this.planDir as string);
    }
    const plan = PlanStore.createTemporary();
    try {
      await prepare({
        source,
        destination,
        compare: {
          options: spec.options,
          source: source.capabilities,
          destination: destination.capabilities,
        },
        filter,
        // The CLI (one run per process) walks both sides here: a thread's start-up (~0.1 s of
        // CPU, ~20 MiB) cost more than it saved on a 20,000-file re-run.
        ...(!this.deps.mainThreadMayBlock && {
          patterns: { includes: spec.includes, excludes: spec.excludes },
        }),
        plan,
        counters: execution.counters,
        signal,
        destinationExists,
        onUnreadable,
        onLeftovers: this.noteLeftovers,
      });
    } catch (error) {
      plan.dispose();
      throw error;
    }
    return plan;
  }

  /**
   * Worker threads when both locations can be re-created in one and the plan is more than tiny,
   * except in the CLI (no UI to keep responsive) when a network store on one side holds the copy
   * to one thread anyway (S3, NFS): the items then run on the main thread, instead of a thread
   * that loads the store's client a second time (the AWS SDK ~35 MiB, a V8 heap of 17 MiB).
   */
  private createRunner(source: Location, destination: Location): TransferRunner {
    const spec: RunnerSpec = {
      source: this.spec.source,
      destination: this.spec.destination,
      options: this.spec.options,
      bucket: this.bucket,
      hashAlgorithm: chooseContentHash(destination.capabilities),
      ...this.ioOptions(),
    };
    if (this.deps.createRunner) return this.deps.createRunner(spec, source, destination);
    const c = this.execution.counters;
    const tiny =
      c.EstimatedFilesToTransfer <= INLINE_MAX_FILES &&
      c.EstimatedBytesToTransfer <= INLINE_MAX_BYTES;
    const shareable =
      source.capabilities.shareableAcrossThreads && destination.capabilities.shareableAcrossThreads;
    if (tiny || !shareable) return createInlineRunner(source, destination, spec);
    const concurrency = effectiveConcurrency(spec.options.Parallelism, source, destination);
    const threads = threadsFor(concurrency, source, destination);
    // Local to local keeps its thread(s): a disk's blocking system calls want them.
    const network = source.kind !== 'local' || destination.kind !== 'local';
    if (!(this.deps.mainThreadMayBlock && network && threads === 1))
      return new WorkerRunner(spec, concurrency, undefined, threads);
    capYoungGeneration(MAIN_YOUNG_GENERATION_MB);
    return createInlineRunner(source, destination, spec);
  }

  /** The per-request time limit locations get, when one is set. */
  private ioOptions(): { ioTimeoutMs?: number; dataDir?: string } {
    const ms = this.deps.limits?.ioTimeoutMs;
    const dataDir = this.deps.dataDir;
    return {
      ...(ms === undefined ? {} : { ioTimeoutMs: ms }),
      ...(dataDir === undefined ? {} : { dataDir }),
    };
  }

  private async closeRunner(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    await runner?.close();
  }

  /** Temporaries that crashed workers left behind, once no write is in flight any more. */
  private async removeCrashLeftovers(destination: Location): Promise<void> {
    for (const folder of this.crashedFolders) {
      await destination.removeTemporaries(folder, new AbortController().signal).catch(() => 0);
    }
  }

  private async phase(
    name: Phase,
    progress: ProgressTracker,
    body: () => Promise<void>,
  ): Promise<void> {
    if (this.controller.signal.aborted) throw new AppError('cancelled', 'Cancelled');
    const record = this.execution.phases[name];
    this.execution.status = name;
    record.status = 'RUNNING';
    record.startedAt = Date.now();
    this.sink.update(this.execution);
    this.log('info', `${name} started`);
    progress.touch();
    await body();
    record.status = 'SUCCESS';
    record.durationMs = Date.now() - (record.startedAt ?? Date.now());
    progress.touch();
  }

  private skipPhase(name: Phase): void {
    this.execution.phases[name].status = 'SKIPPED';
  }

  private markPhase(name: Phase, status: 'ERROR' | 'CANCELLED'): void {
    const record = this.execution.phases[name];
    if (record.status === 'RUNNING' || record.status === 'PENDING') {
      record.status = status;
      if (record.startedAt !== null) record.durationMs = Date.now() - record.startedAt;
    }
  }

  private finish(status: 'SUCCESS' | 'ERROR' | 'CANCELLED'): void {
    this.execution.status = status;
    this.execution.endTime = Date.now();
    this.log(status === 'SUCCESS' ? 'info' : 'error', `Execution ended ${status}`);
  }

  private log(level: 'info' | 'error', message: string): void {
    if (this.spec.options.LogLevel !== 'OFF') this.sink.log(level, message);
  }
}
