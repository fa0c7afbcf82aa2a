import { retryClassOf, type ErrorCode } from '../../src-shared/errors';

/**
 * Limits an execution's I/O runs under, set for the whole process (the CLI's --io-timeout and
 * --retry-for, or DATAFERRY_IO_TIMEOUT and DATAFERRY_RETRY_FOR). Both optional: undefined means
 * the default.
 */
export interface EngineLimits {
  /**
   * How long one request to a network location (SMB, NFS, S3) may go unanswered before it fails
   * with `timeout`: a stalled server is given up on instead of waited for forever. Undefined:
   * each location's own default (SMB and NFS 30 s per call; S3 10 s to connect, 120 s of
   * silence on a connection).
   */
  ioTimeoutMs?: number;
  /**
   * How long the engine keeps retrying a file that fails because a server is unreachable or
   * slow (`unavailable`, `timeout`), and how long the run rides out an outage in which nothing
   * succeeds before it stops. Default DEFAULT_RETRY_FOR_MS.
   */
  retryForMs?: number;
}

/** Long enough to ride out a server restart, short enough that a dead server is reported soon. */
export const DEFAULT_RETRY_FOR_MS = 30_000;
/** Attempts per file for the retryable codes that are not about the connection. */
export const CONTENT_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 4_000;

/** Codes that say a server could not be reached or did not answer in time. */
const CONNECTION_CODES: ReadonlySet<ErrorCode> = new Set(['unavailable', 'timeout']);

/** What to do after an attempt on one file failed. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  /** Give up on this file: it is reported failed, the run goes on. */
  | { action: 'fail' }
  /** Nothing has succeeded for the whole retry window: the run stops with this file's error. */
  | { action: 'stop'; outageMs: number };

/**
 * The retry policy of one execution's TRANSFERRING phase. Codes whose retry class is not
 * 'retry' fail at once. `changed-during-transfer` and `checksum-mismatch` are tried
 * CONTENT_ATTEMPTS times. `unavailable` and `timeout` are retried with exponential backoff
 * (250 ms doubling up to 4 s) for up to `retryForMs` from the file's first failure; and when no
 * item at all has succeeded for `retryForMs` since the first such failure (an outage, not one
 * troubled file), the run stops instead of trying every remaining file against a dead server.
 * Never throws.
 */
export class RetryGate {
  private outageSince: number | null = null;
  private stopped = false;

  constructor(
    readonly retryForMs: number = DEFAULT_RETRY_FOR_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a file failed for good because of an outage: items still retrying give up too. */
  get outageGivenUp(): boolean {
    return this.stopped;
  }

  /** An item succeeded: servers answer, whatever failed before. */
  succeeded(): void {
    this.outageSince = null;
  }

  /**
   * After attempt number `attempt` (1-based) of a file failed with `code`; `firstFailureAt` is
   * when this file first failed (the caller keeps it per file).
   */
  decide(code: ErrorCode, attempt: number, firstFailureAt: number): RetryDecision {
    if (retryClassOf(code) !== 'retry') return { action: 'fail' };
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempt - 1, 10));
    if (!CONNECTION_CODES.has(code)) {
      return attempt < CONTENT_ATTEMPTS
        ? { action: 'retry', delayMs: backoff }
        : { action: 'fail' };
    }
    const now = this.now();
    this.outageSince ??= now;
    const outageMs = now - this.outageSince;
    if (this.stopped || outageMs >= this.retryForMs) {
      this.stopped = true;
      return { action: 'stop', outageMs };
    }
    const left = this.retryForMs - (now - firstFailureAt);
    if (left <= 0) return { action: 'fail' };
    // The last wait ends at the window's end, so the final attempt is made within it.
    return { action: 'retry', delayMs: Math.min(backoff, left) };
  }
}

/**
 * Resolves after `ms`, or at once when `signal` fires (the caller checks the signal). Never
 * rejects.
 */
export function backoffDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
