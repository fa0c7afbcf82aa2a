// The web host as the UI benchmarks drive it (not a benchmark itself: run.mjs runs only
// *.bench.mjs): the built `node out/main/serve.js` as its own process, and the contract over its
// WebSocket from Node for arranging data (the measurements go through the browser).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `node out/main/serve.js` as a user runs it; resolves with its URL. */
export function startHost(env) {
  const child = spawn(
    process.execPath,
    [path.join(repo, 'out', 'main', 'serve.js'), '--port', '0'],
    {
      env: { ...process.env, ...env },
    },
  );
  let printed = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      printed += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/.exec(printed);
      if (!match) return;
      resolve({
        pid: child.pid,
        url: match[0],
        port: Number(match[1]),
        token: match[2],
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`web host exited ${code}: ${printed}`)));
  });
}

/** The contract over the web host's WebSocket, from Node (for the setup, not the measurement). */
export function connect(host) {
  const origin = `http://127.0.0.1:${host.port}`;
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, {
    headers: { Origin: origin },
  });
  const pending = new Map();
  const listeners = new Set();
  let nextId = 1;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'event')
      for (const listener of listeners) listener(message.event, message.payload);
    if (message.type !== 'result') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (!waiter) return;
    if (message.result.ok) waiter.resolve(message.result.value);
    else waiter.reject(new Error(`${message.result.error.code}: ${message.result.error.message}`));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        call: (channel, request) =>
          new Promise((res, rej) => {
            const id = nextId++;
            pending.set(id, { resolve: res, reject: rej });
            socket.send(JSON.stringify({ type: 'request', id, channel, request }));
          }),
        /** Calls `listener(event, payload)` for every pushed event; returns the unsubscribe. */
        onEvent: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        close: () => socket.close(),
      }),
    );
  });
}
