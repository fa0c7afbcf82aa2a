import type { Execution, ExecutionProgress, FileProgress } from '../../src-shared/model/execution';

const EMIT_INTERVAL_MS = 100;
const THROUGHPUT_WINDOW_MS = 5000;
/** The per-file table needs only what changed; a burst of tiny files is capped per event. */
const MAX_FILES_PER_EVENT = 500;

/**
 * Aggregates per-file and total progress and hands it on at most every 100 ms (about 10 events a
 * second), never once per chunk. Throughput is a rolling window; the ETA follows from it.
 */
export class ProgressTracker {
  private readonly changed = new Map<string, FileProgress>();
  private readonly samples: { at: number; bytes: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly execution: Execution,
    private readonly emit: (progress: ExecutionProgress) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.flush(), EMIT_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** Something visible changed (status, phase, counters). */
  touch(): void {
    this.dirty = true;
  }

  file(update: FileProgress): void {
    this.changed.set(update.path, update);
    this.dirty = true;
  }

  /** Emits now if anything changed since the last event. */
  flush(): void {
    const at = this.now();
    this.samples.push({ at, bytes: this.execution.counters.BytesTransferred });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? at) < at - THROUGHPUT_WINDOW_MS)
      this.samples.shift();
    if (!this.dirty) return;
    this.dirty = false;
    // The first ones only: copying the whole map each tick cost as much as the files it held.
    const files: FileProgress[] = [];
    for (const f of this.changed.values()) {
      if (files.length >= MAX_FILES_PER_EVENT) break;
      files.push(f);
    }
    for (const f of files) this.changed.delete(f.path);
    if (this.changed.size > 0) this.dirty = true;
    const throughput = this.throughput();
    const c = this.execution.counters;
    // Bytes read so far count, so a single large file has an ETA before it completes.
    const left = Math.max(
      0,
      c.EstimatedBytesToTransfer - Math.min(c.BytesTransferred, c.EstimatedBytesToTransfer),
    );
    this.emit({
      executionId: this.execution.id,
      taskId: this.execution.taskId,
      status: this.execution.status,
      phases: structuredClone(this.execution.phases),
      counters: { ...c },
      throughput,
      etaSeconds:
        this.execution.status === 'TRANSFERRING' && throughput > 0
          ? Math.round(left / throughput)
          : null,
      files,
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.dirty = true;
    this.flush();
  }

  private throughput(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }
}
