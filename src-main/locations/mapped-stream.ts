import { PassThrough, type Readable } from 'node:stream';
import type { AppError } from '../../src-shared/errors';
import { cancelledError } from './abort';

/**
 * Wraps a store's stream (an S3 body, an NFS read) so that whatever fails while it streams reaches the reader as an
 * AppError (mapped by `mapError`), and the signal firing ends it with 'cancelled'. Destroying
 * the returned stream destroys the body, which releases what it holds (an HTTP connection, READs in flight).
 */
export function mappedBody(
  body: Readable,
  signal: AbortSignal,
  what: string,
  mapError: (error: unknown) => AppError,
): Readable {
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  // The reader may attach its listeners later (the engine awaits its hasher first): an error in
  // between must stay on the stream for it, not become an uncaught exception.
  out.on('error', () => undefined);
  const onAbort = (): void => {
    body.destroy();
    out.destroy(cancelledError(what));
  };
  if (signal.aborted) {
    onAbort();
    return out;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  const done = (): void => signal.removeEventListener('abort', onAbort);
  body.on('error', (error) => {
    done();
    out.destroy(signal.aborted ? cancelledError(what) : mapError(error));
  });
  body.on('end', done);
  out.on('close', () => {
    done();
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(out);
  return out;
}
