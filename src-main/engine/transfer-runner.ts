import { availableParallelism } from 'node:os';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import type { TaskOptions } from '../../src-shared/model/task';
import type { Location } from '../locations/location';
import type { PlanItem } from './plan';
import type { ContentHashAlgorithm } from './content-hash';
import type { SharedTokenBucket } from './throttle';
import { contentHash, executeItem, type AsWritten, type ItemOutcome } from './transfer-file';

/** Runs plan items that move data, with bounded concurrency, on some thread(s). */
export interface TransferRunner {
  /** Resolves with the outcome, rejects with the item's AppError. */
  run(item: PlanItem, onBytes: (bytes: number) => void, signal: AbortSignal): Promise<ItemOutcome>;
  /**
   * The content hash of a file on one side: the store's own when it keeps one, the hash of the
   * bytes as written when the store keeps those and the file is still as written (`asWritten`),
   * else read. Rejects with the AppError of the read.
   */
  hash(
    side: 'source' | 'destination',
    path: string,
    signal: AbortSignal,
    size?: number,
    asWritten?: AsWritten,
  ): Promise<string>;
  /** How many items it runs at once. */
  readonly concurrency: number;
  /**
   * How many items the engine should hand it at once: more than it runs, so small files can
   * travel to workers in batches. It queues the extra ones itself.
   */
  readonly queueDepth: number;
  /** Stops every thread it started. Idempotent. */
  close(): Promise<void>;
}

export interface RunnerSpec {
  source: { config: LocationConfig; secrets: LocationSecrets };
  destination: { config: LocationConfig; secrets: LocationSecrets };
  options: TaskOptions;
  bucket: SharedTokenBucket;
  hashAlgorithm: ContentHashAlgorithm;
  /** Per-request time limit for network locations (EngineLimits.ioTimeoutMs), when set. */
  ioTimeoutMs?: number;
  /** The data folder (S3's index of written objects), when the host has one. */
  dataDir?: string;
}

/** How many transfers to run at once: the task's Parallelism, within what the more patient side can use. */
export function effectiveConcurrency(
  parallelism: number,
  source: Location,
  destination: Location,
): number {
  // A store that is slow per request (a network round trip) wants many in flight even when the
  // other side is a disk that wants few threads: threads and lanes (worker-runner) split them.
  return Math.max(
    1,
    Math.min(
      parallelism,
      Math.max(source.capabilities.usefulConcurrency, destination.capabilities.usefulConcurrency),
    ),
  );
}

/**
 * Worker threads for `concurrency` items in flight: no more than the CPUs, nor than either side
 * can keep busy (one for a network store: its connection carries many requests); each thread
 * then runs several items at once.
 */
export function threadsFor(concurrency: number, source: Location, destination: Location): number {
  const cpus = Math.max(2, availableParallelism());
  return Math.max(
    1,
    Math.min(
      concurrency,
      cpus,
      source.capabilities.usefulThreads,
      destination.capabilities.usefulThreads,
    ),
  );
}

/**
 * Runs items on this thread with the engine's own location objects: memory locations, tiny
 * plans, and the CLI's copies to or from S3 or NFS (one thread either way; here no second
 * isolate loads the store's client again).
 */
export function createInlineRunner(
  source: Location,
  destination: Location,
  spec: RunnerSpec,
): TransferRunner {
  const concurrency = effectiveConcurrency(spec.options.Parallelism, source, destination);
  const limit = createLimiter(concurrency);
  return {
    concurrency,
    queueDepth: concurrency,
    run: (item, onBytes, signal) =>
      limit(() =>
        executeItem(item, {
          source,
          destination,
          options: spec.options,
          bucket: spec.bucket,
          hashAlgorithm: spec.hashAlgorithm,
          signal,
          onBytes,
        }),
      ),
    hash: (side, path, signal, size, asWritten) =>
      limit(() =>
        contentHash(
          side === 'source' ? source : destination,
          path,
          spec.hashAlgorithm,
          signal,
          size,
          asWritten,
        ),
      ),
    close: async () => undefined,
  };
}

/** Runs at most `max` of the functions given to it at once, in order. */
function createLimiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
