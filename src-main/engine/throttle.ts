import { AppError } from '../../src-shared/errors';

/*
 * A token bucket shared by every transfer of an execution, in every worker thread: its state is
 * a SharedArrayBuffer, so one BytesPerSecond limit holds across all of them, and main can change
 * the rate while they run. Slots (Float64 under a spin lock in Int32 slot 0):
 *   [rate bytes/s, tokens, last refill ms]
 */
const LOCK = 0;
const RATE = 1;
const TOKENS = 2;
const LAST = 3;
/** At most this much of a burst: keeps the limit honest over short windows. */
const BURST_SECONDS = 0.25;

export class SharedTokenBucket {
  readonly buffer: SharedArrayBuffer;
  private readonly lock: Int32Array;
  private readonly values: Float64Array;

  /** A new bucket (rate -1 = unlimited), or a view on an existing one from another thread. */
  constructor(rateOrBuffer: number | SharedArrayBuffer) {
    if (typeof rateOrBuffer === 'number') {
      this.buffer = new SharedArrayBuffer(32);
      this.lock = new Int32Array(this.buffer, 0, 2);
      this.values = new Float64Array(this.buffer, 8, 3);
      this.values[RATE - 1] = rateOrBuffer;
      this.values[TOKENS - 1] = 0;
      this.values[LAST - 1] = Date.now();
    } else {
      this.buffer = rateOrBuffer;
      this.lock = new Int32Array(this.buffer, 0, 2);
      this.values = new Float64Array(this.buffer, 8, 3);
    }
  }

  get rate(): number {
    return this.values[RATE - 1] as number;
  }

  /** Changes the limit for every transfer at once; -1 lifts it. */
  setRate(bytesPerSecond: number): void {
    this.withLock(() => {
      this.values[RATE - 1] = bytesPerSecond;
      this.values[TOKENS - 1] = 0;
      this.values[LAST - 1] = Date.now();
    });
  }

  /**
   * Waits until `bytes` may pass. Returns at once when unlimited. Rejects with
   * AppError('cancelled') when the signal fires.
   */
  async take(bytes: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) throw new AppError('cancelled', 'Cancelled');
      // Unlimited: no lock. A rate set concurrently is seen on the next chunk.
      if ((this.values[RATE - 1] as number) <= 0) return;
      const wait = this.withLock(() => {
        const rate = this.values[RATE - 1] as number;
        if (rate <= 0) return 0;
        const now = Date.now();
        const last = this.values[LAST - 1] as number;
        const tokens = Math.min(
          (this.values[TOKENS - 1] as number) + ((now - last) / 1000) * rate,
          Math.max(rate * BURST_SECONDS, bytes),
        );
        this.values[LAST - 1] = now;
        if (tokens >= bytes) {
          this.values[TOKENS - 1] = tokens - bytes;
          return 0;
        }
        this.values[TOKENS - 1] = tokens;
        return Math.ceil(((bytes - tokens) / rate) * 1000);
      });
      if (wait === 0) return;
      await sleep(Math.min(wait, 200), signal);
    }
  }

  private withLock<T>(fn: () => T): T {
    while (Atomics.compareExchange(this.lock, LOCK, 0, 1) !== 0) {
      // Held for a few instructions only by another thread: spin.
    }
    try {
      return fn();
    } finally {
      Atomics.store(this.lock, LOCK, 0);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AppError('cancelled', 'Cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
