#!/usr/bin/env node
// Started by unprivileged.mjs, as root, before the tests lose the capabilities that let root
// ignore file modes: nfs-ganesha's VFS backend needs CAP_DAC_READ_SEARCH (open_by_handle_at),
// so a test cannot start it itself. It listens on a Unix socket in a 0700 folder and does three
// things only: start ganesha.nfsd with a config file a test wrote, signal a process it started,
// and mount (then unmount) a small tmpfs on an empty folder under the temporary folder, for tests
// of a destination that fills up. One JSON request per line, one JSON answer per line.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, realpathSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const socketPath = process.argv[2];
if (!socketPath) {
  console.error('usage: privileged-launcher.mjs SOCKET');
  process.exit(2);
}
const started = new Map();
/** Folders this launcher mounted a tmpfs on: the only ones it unmounts. */
const mounted = new Set();
const MAX_TMPFS_BYTES = 256 * 1024 * 1024;

/** An existing folder strictly below the (real) temporary folder, by its real path. */
function folderUnderTmp(value) {
  if (typeof value !== 'string' || !path.isAbsolute(value)) throw new Error('absolute paths only');
  const real = realpathSync(value);
  const tmp = realpathSync(os.tmpdir());
  if (!real.startsWith(`${tmp}${path.sep}`)) throw new Error(`not under ${tmp}: ${value}`);
  if (!statSync(real).isDirectory()) throw new Error(`not a folder: ${value}`);
  return real;
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')}: ${(result.stderr || result.error?.message || '').trim()}`,
    );
}

/** Unmounts one of our tmpfs; still busy (a server holds a file open there): detached. */
function unmount(folder) {
  try {
    run('umount', [folder]);
  } catch {
    run('umount', ['-l', folder]);
  }
  mounted.delete(folder);
}

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
  if (request.op === 'mount-tmpfs') {
    const folder = folderUnderTmp(request.path);
    const size = request.sizeBytes;
    if (!Number.isInteger(size) || size < 4096 || size > MAX_TMPFS_BYTES)
      throw new Error(`sizeBytes must be 4096..${MAX_TMPFS_BYTES}`);
    if (mounted.has(folder)) throw new Error(`already mounted: ${folder}`);
    if (readdirSync(folder).length > 0) throw new Error(`not empty: ${folder}`);
    run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'dataferry-test', folder]);
    mounted.add(folder);
    return { ok: true, path: folder };
  }
  if (request.op === 'unmount') {
    const folder = folderUnderTmp(request.path);
    if (!mounted.has(folder)) return { gone: true };
    unmount(folder);
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
  for (const folder of mounted) {
    try {
      unmount(folder);
    } catch {
      // Gone already: nothing to do.
    }
  }
  process.exit(0);
});
process.stdin.resume();
