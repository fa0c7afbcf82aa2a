// Preloaded by per-file.bench.mjs (node --import): counts the messages between the main thread
// and the worker threads it starts (posted to a worker, received from one) and writes the two
// counts to stderr when the process exits. Not part of the app.
import { writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

let posted = 0;
let received = 0;
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function postCounted(...args) {
  posted++;
  return post.apply(this, args);
};
const emit = Worker.prototype.emit;
Worker.prototype.emit = function emitCounted(event, ...args) {
  if (event === 'message') received++;
  return emit.call(this, event, ...args);
};
process.on('exit', () => writeSync(2, `thread-messages posted=${posted} received=${received}\n`));
