import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../src-shared/errors';
import { openLocation } from '../locations/open-location';
import { SharedTokenBucket } from './throttle';
import { contentHash, executeItem, type ItemContext } from './transfer-file';
import {
  WORKER_PROGRESS_INTERVAL_MS,
  type FromWorker,
  type GroupAnswer,
  type GroupRequest,
  type ToWorker,
  type WorkerInit,
  type WorkAnswer,
  type WorkRequest,
} from './worker-protocol';

/*
 * A transfer worker thread: opens its own source and destination from their configs, then runs
 * the items main sends (several at once where main gives it lanes; a batch's items one after the
 * other), reporting bytes at most every 100 ms per item.
 */

const init = workerData as WorkerInit;
if (!parentPort) throw new Error('transfer-worker must run as a worker thread');
const port = parentPort;

const io = { inWorker: true, ioTimeoutMs: init.ioTimeoutMs, dataDir: init.dataDir };
// Only the code of the two kinds is loaded (a local copy never loads the AWS SDK).
const locations = Promise.all([
  openLocation(init.source.config, init.source.secrets, io),
  openLocation(init.destination.config, init.destination.secrets, io),
]);
const bucket = new SharedTokenBucket(init.bucket);
const running = new Map<number, AbortController>();

/** Ids cancelled before they started (they may wait in a batch). */
const cancelled = new Set<number>();

/** The groups received, run in turn. */
let groups: Promise<void> = Promise.resolve();

type Post = (message: WorkAnswer) => void;

const post: Post = (message) => port.postMessage(message satisfies FromWorker);

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') {
    cancelled.add(message.id);
    running.get(message.id)?.abort();
    return;
  }
  if (message.type === 'group') {
    // One group after the other: the one queued behind starts the moment this one is answered,
    // while main reads that answer and sends the next.
    const { id, requests } = message;
    groups = groups.then(() => runGroup(id, requests));
    return;
  }
  if (message.type === 'batch') {
    void runBatch(message.requests);
    return;
  }
  if (message.type === 'hash') {
    void hash(message, post);
    return;
  }
  void run(message.id, message.item, post);
});

/** Runs a batch's requests one after the other; their answers go back in one message. */
async function runBatch(requests: WorkRequest[]): Promise<void> {
  const answers: WorkAnswer[] = [];
  const collect: Post = (message) => void answers.push(message);
  for (const request of requests) {
    if (cancelled.has(request.id)) {
      collect({
        type: 'failed',
        id: request.id,
        error: { code: 'cancelled', message: 'Cancelled' },
      });
    } else if (request.type === 'hash') {
      await hash(request, collect);
    } else {
      await run(request.id, request.item, collect);
    }
  }
  port.postMessage({ type: 'batch', messages: answers } satisfies FromWorker);
}

/**
 * Runs a group's requests one after the other under one controller (a cancel of the group
 * stops the one running and answers the rest cancelled), counting the bytes each read, and
 * answers them all in one message: no message, controller or timer per file.
 */
async function runGroup(id: number, requests: GroupRequest[]): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  const answers: GroupAnswer[] = [];
  let read = 0;
  try {
    const [source, destination] = await locations;
    const context: ItemContext = {
      source,
      destination,
      options: init.options,
      bucket,
      hashAlgorithm: init.hashAlgorithm,
      signal: controller.signal,
      onBytes: (bytes) => void (read += bytes),
    };
    for (const request of requests) {
      read = 0;
      const path = request.type === 'run' ? request.item.path : request.path;
      if (controller.signal.aborted || cancelled.has(id)) {
        answers.push({ read, error: { code: 'cancelled', message: 'Cancelled' } });
        continue;
      }
      try {
        if (request.type === 'run') {
          const outcome = await executeItem(request.item, context);
          answers.push({ read, outcome });
        } else {
          const side = request.side === 'source' ? source : destination;
          const { size, asWritten } = request;
          const hash = await contentHash(
            side,
            path,
            init.hashAlgorithm,
            controller.signal,
            size,
            asWritten,
          );
          answers.push({ read, hash });
        }
      } catch (error) {
        answers.push({ read, error: toInfo(error, path) });
      }
    }
  } catch (error) {
    // The locations could not be opened in this thread: every request fails with that cause.
    for (const request of requests.slice(answers.length)) {
      const path = request.type === 'run' ? request.item.path : request.path;
      answers.push({ read: 0, error: toInfo(error, path) });
    }
  } finally {
    running.delete(id);
    cancelled.delete(id);
  }
  port.postMessage({ type: 'group', id, answers } satisfies FromWorker);
}

async function hash(request: Extract<WorkRequest, { type: 'hash' }>, post: Post): Promise<void> {
  const { id, side, path } = request;
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const [source, destination] = await locations;
    const value = await contentHash(
      side === 'source' ? source : destination,
      path,
      init.hashAlgorithm,
      controller.signal,
      request.size,
      request.asWritten,
    );
    post({ type: 'hashed', id, hash: value });
  } catch (error) {
    post({ type: 'failed', id, error: toInfo(error, path) });
  } finally {
    running.delete(id);
  }
}

function toInfo(error: unknown, path: string): ReturnType<AppError['toInfo']> {
  return error instanceof AppError
    ? error.toInfo()
    : {
        code: 'unknown',
        message: `${path}: ${error instanceof Error ? error.message : String(error)}`,
      };
}

async function run(
  id: number,
  item: Extract<ToWorker, { type: 'run' }>['item'],
  post: Post,
): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  let pending = 0;
  let last = Date.now();
  const flush = (): void => {
    if (pending > 0) post({ type: 'bytes', id, bytes: pending });
    pending = 0;
    last = Date.now();
  };
  try {
    const [source, destination] = await locations;
    const outcome = await executeItem(item, {
      source,
      destination,
      options: init.options,
      bucket,
      hashAlgorithm: init.hashAlgorithm,
      signal: controller.signal,
      onBytes: (bytes) => {
        pending += bytes;
        if (Date.now() - last >= WORKER_PROGRESS_INTERVAL_MS) flush();
      },
    });
    flush();
    post({ type: 'done', id, outcome });
  } catch (error) {
    flush();
    const info =
      error instanceof AppError
        ? error.toInfo()
        : {
            code: 'unknown' as const,
            message: `${item.path}: ${error instanceof Error ? error.message : String(error)}`,
          };
    post({ type: 'failed', id, error: info });
  } finally {
    running.delete(id);
  }
}
