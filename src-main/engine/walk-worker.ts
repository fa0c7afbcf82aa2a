import { parentPort } from 'node:worker_threads';
import { AppError, type ErrorInfo } from '../../src-shared/errors';
import { LocalLocation } from '../locations/local/local-location';
import { compileFilter } from './filters';
import { treeCursor } from './tree-walk';
import {
  BATCHES_AHEAD,
  BatchEncoder,
  type FromWalkWorker,
  type ToWalkWorker,
  type WalkSpec,
} from './walk-batch';

/*
 * One side of PREPARING's walk in a thread of its own (walk-thread.ts starts and keeps it): the
 * same walkTree over a local folder with blocking I/O, its entries sent back in batches, so that
 * the kernel's lstat work of the two sides runs on two cores at once, as rsync's two processes
 * do. Runs one walk at a time and waits for the next.
 */

/** The fewest entries sent before a batch is full (the first batch excepted). */
const EARLY_BATCH_ENTRIES = 64;

const port = parentPort;
if (!port) throw new Error('walk-worker must run as a worker thread');
const post = (message: FromWalkWorker, transfer?: ArrayBuffer[]): void =>
  port.postMessage(message, transfer);

port.on('message', (message: ToWalkWorker) => {
  if (message.type === 'start') void walk(message.spec, new Int32Array(message.credits));
});

async function walk(spec: WalkSpec, credits: Int32Array): Promise<void> {
  const encoder = new BatchEncoder();
  let sent = 0;
  const flush = (): void => {
    if (encoder.size === 0) return;
    const batch = encoder.take();
    post({ type: 'batch', batch }, [batch.numbers.buffer as ArrayBuffer]);
    sent++;
    // Far enough ahead: wait until the consumer takes one (it notifies on every batch taken).
    for (;;) {
      const taken = Atomics.load(credits, 0);
      if (sent - taken < BATCHES_AHEAD) return;
      Atomics.wait(credits, 0, taken);
    }
  };
  try {
    const location = new LocalLocation(spec.root, { blockingIo: true });
    // Never aborted: a cancelled walk's thread is terminated (walk-thread.ts).
    const signal = new AbortController().signal;
    const cursor = treeCursor(location, signal, {
      filter: compileFilter(spec.includes, spec.excludes),
      lazyMetadata: true,
      caseInsensitive: spec.caseInsensitive,
      ...(spec.reportsUnreadable && {
        onUnreadable: (path: string, error: unknown) => {
          flush();
          post({ type: 'unreadable', path, error: toInfo(error) });
        },
      }),
      ...(spec.temporaries && {
        onTemporaries: (folder: string, names: string[]) => {
          flush();
          post({ type: 'temporaries', folder, names });
        },
      }),
    });
    for (;;) {
      const next = cursor.next();
      const entry = next instanceof Promise ? await next : next;
      if (entry === undefined) break;
      const full = encoder.add(entry);
      // A folder is listed next: if the consumer has taken every batch, it may be waiting for
      // this one, so it goes now rather than when full (not too small a one: a message costs).
      const early =
        entry.type === 'dir' &&
        (sent === 0 || encoder.size >= EARLY_BATCH_ENTRIES) &&
        Atomics.load(credits, 0) === sent;
      if (full || early) flush();
    }
    flush();
    post({ type: 'end' });
  } catch (error) {
    flush();
    post({ type: 'failed', error: toInfo(error) });
  }
}

function toInfo(error: unknown): ErrorInfo {
  return error instanceof AppError
    ? error.toInfo()
    : { code: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
