import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import type { TaskOptions } from '../../src-shared/model/task';
import type { Location } from '../locations/location';
import type { PlanItem } from './plan';
import type { SharedTokenBucket } from './throttle';
import { executeItem, type ItemOutcome } from './transfer-file';

/** Runs plan items that move data, with bounded concurrency, on some thread(s). */
export interface TransferRunner {
  /** Resolves with the outcome, rejects with the item's AppError. */
  run(item: PlanItem, onBytes: (bytes: number) => void, signal: AbortSignal): Promise<ItemOutcome>;
  /** How many items it runs at once; the engine keeps that many in flight. */
  readonly concurrency: number;
  /** Stops every thread it started. Idempotent. */
  close(): Promise<void>;
}

export interface RunnerSpec {
  source: { config: LocationConfig; secrets: LocationSecrets };
  destination: { config: LocationConfig; secrets: LocationSecrets };
  options: TaskOptions;
  bucket: SharedTokenBucket;
}

/** Runs items on the main thread with the engine's own location objects (memory locations, tests). */
export function createInlineRunner(
  source: Location,
  destination: Location,
  spec: RunnerSpec,
): TransferRunner {
  return {
    concurrency: spec.options.Parallelism,
    run: (item, onBytes, signal) =>
      executeItem(item, {
        source,
        destination,
        options: spec.options,
        bucket: spec.bucket,
        signal,
        onBytes,
      }),
    close: async () => undefined,
  };
}
