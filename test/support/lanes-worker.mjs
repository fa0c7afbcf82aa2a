// A stand-in transfer worker for WorkerRunner's scheduling tests: each item takes 40 ms, and its
// outcome says how many items this thread was running at once when it started; a group's
// answers name the thread that ran it.
import { parentPort, threadId } from 'node:worker_threads';

let active = 0;
const runOne = async (request) => {
  active++;
  const concurrent = active;
  await new Promise((resolve) => setTimeout(resolve, 40));
  active--;
  return { type: 'done', id: request.id, outcome: { bytes: concurrent, sourceHash: null } };
};
parentPort.on('message', async (message) => {
  if (message.type === 'batch') {
    const messages = [];
    for (const request of message.requests) messages.push(await runOne(request));
    parentPort.postMessage({ type: 'batch', messages });
  } else if (message.type === 'group') {
    // A group's answers say which thread ran them (in sourceHash).
    await new Promise((resolve) => setTimeout(resolve, 40));
    const answers = message.requests.map(() => ({
      read: 0,
      outcome: { bytes: 0, sourceHash: String(threadId) },
    }));
    parentPort.postMessage({ type: 'group', id: message.id, answers });
  } else if (message.type === 'run') {
    parentPort.postMessage(await runOne(message));
  }
});
