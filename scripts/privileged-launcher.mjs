#!/usr/bin/env node
// Started by unprivileged.mjs, as root, before the tests lose the capabilities that let root
// ignore file modes: nfs-ganesha's VFS backend needs CAP_DAC_READ_SEARCH (open_by_handle_at),
// so a test cannot start it itself. It listens on a Unix socket in a 0700 folder and does two
// things only: start ganesha.nfsd with a config file a test wrote, and signal a process it
// started. One JSON request per line, one JSON answer per line.
import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import net from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) {
  console.error('usage: privileged-launcher.mjs SOCKET');
  process.exit(2);
}
const started = new Map();

function handle(request) {
  if (request.op === 'start-ganesha') {
    const { conf, log, pidFile, preload } = request;
    for (const value of [conf, log, pidFile, preload]) {
      if (typeof value !== 'string' || !value.startsWith('/'))
        throw new Error('absolute paths only');
    }
    const child = spawn(
      'ganesha.nfsd',
      ['-F', '-f', conf, '-L', log, '-p', pidFile, '-N', 'NIV_EVENT'],
      {
        env: { ...process.env, LD_PRELOAD: preload },
        stdio: 'ignore',
      },
    );
    child.on('error', () => started.delete(child.pid));
    child.on('exit', () => started.delete(child.pid));
    started.set(child.pid, child);
    return { pid: child.pid };
  }
  if (request.op === 'signal') {
    const child = started.get(request.pid);
    if (!child) return { gone: true };
    child.kill(
      request.signal === 'SIGKILL'
        ? 'SIGKILL'
        : request.signal === 'SIGSTOP'
          ? 'SIGSTOP'
          : request.signal === 'SIGCONT'
            ? 'SIGCONT'
            : 'SIGTERM',
    );
    return { ok: true };
  }
  throw new Error(`unknown op ${String(request.op)}`);
}

const server = net.createServer((socket) => {
  let buffered = '';
  socket.on('data', (data) => {
    buffered += data;
    let newline;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let answer;
      try {
        answer = handle(JSON.parse(line));
      } catch (error) {
        answer = { error: error.message };
      }
      socket.write(`${JSON.stringify(answer)}\n`);
    }
  });
  socket.on('error', () => undefined);
});
server.listen(socketPath, () => {
  chmodSync(socketPath, 0o600);
  process.stdout.write('ready\n');
});
// When the test run ends (our stdin closes), stop everything we started.
process.stdin.on('end', () => {
  for (const child of started.values()) child.kill('SIGKILL');
  process.exit(0);
});
process.stdin.resume();
