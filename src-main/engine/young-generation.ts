import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const MiB = 2 ** 20;
let capped = false;

/** The young generation's size now (both semi-spaces), in bytes. */
function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Stops this process's young generation from growing much past `mb` MiB, as WORKER_LIMITS does
 * for a worker thread. Left alone, V8 (Node 24) grows the main thread's young generation to
 * 128 MiB under a transfer's allocation rate, and the resident size with it (measured: 5,000 x 4
 * KiB local -> S3 inline, 274 MiB peak). V8 takes the maximum only when an isolate starts (Node's
 * command line, a worker's resourceLimits); what it reads each time it grows the young
 * generation is the growth factor: set to 1 once the young generation has reached `mb`, it
 * grows no further (it may already be one doubling past `mb`: GC entries arrive after the
 * fact). Process-wide and for the rest of the process: only for a process that runs one
 * execution on its main thread (the CLI). Never throws.
 */
export function capYoungGeneration(mb: number): void {
  if (capped) return;
  capped = true;
  const stop = (): boolean => {
    if (newSpaceBytes() < mb * MiB) return false;
    setFlagsFromString('--semi-space-growth-factor=1');
    return true;
  };
  if (stop()) return;
  const observer = new PerformanceObserver(() => {
    if (stop()) observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}
