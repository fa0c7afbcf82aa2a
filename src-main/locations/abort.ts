import { AppError } from '../../src-shared/errors';

/**
 * Throws AppError('cancelled') when the signal has fired, so every Location method refuses to
 * start work that nobody waits for any more. `what` names the thing, for the message.
 * Throws: cancelled. Otherwise returns nothing and has no effect.
 */
export function throwIfAborted(signal: AbortSignal, what?: string): void {
  if (signal.aborted) throw cancelledError(what);
}

/** The AppError a cancelled operation rejects with. */
export function cancelledError(what?: string): AppError {
  return new AppError('cancelled', what ? `Cancelled: ${what}` : 'Cancelled');
}

/** Whether an error is the AbortError that Node's streams and timers throw when a signal fires. */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { code?: unknown }).code === 'ABORT_ERR')
  );
}
