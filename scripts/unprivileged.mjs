#!/usr/bin/env node
// Runs a command so that file permissions apply to it even when it runs as root (CI runs as
// root): tests of "permission denied" must see real denials. It drops the two capabilities that
// let root ignore file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) with util-linux's setpriv;
// as an ordinary user it runs the command unchanged.
//
// As root it first starts scripts/privileged-launcher.mjs, which keeps those capabilities to
// start the servers that need them (nfs-ganesha) on the tests' request, through a Unix socket
// named in DATAFERRY_PRIVILEGED_LAUNCHER.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: unprivileged.mjs COMMAND [ARGS...]');
  process.exit(2);
}
const bin = path.join(process.cwd(), 'node_modules', '.bin', command);
const resolved = spawnSync('sh', ['-c', `command -v "${bin}" || command -v "${command}"`], {
  encoding: 'utf8',
}).stdout.trim();
const executable = resolved || command;
const asRoot = process.getuid?.() === 0;

if (!asRoot) {
  const result = spawnSync(executable, args, { stdio: 'inherit' });
  if (result.error) fail(result.error);
  process.exit(result.status ?? 1);
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'dataferry-launcher-')); // 0700
const socket = path.join(folder, 'launcher.sock');
const launcher = spawn(
  process.execPath,
  [path.join(path.dirname(fileURLToPath(import.meta.url)), 'privileged-launcher.mjs'), socket],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
await new Promise((resolve, reject) => {
  launcher.stdout.once('data', resolve);
  launcher.once('exit', (code) => reject(new Error(`privileged launcher exited (${code})`)));
}).catch(fail);

const child = spawn(
  'setpriv',
  ['--bounding-set', '-dac_override,-dac_read_search', executable, ...args],
  { stdio: 'inherit', env: { ...process.env, DATAFERRY_PRIVILEGED_LAUNCHER: socket } },
);
child.on('error', fail);
child.on('exit', (code, signal) => {
  launcher.stdin.end(); // it stops what it started
  rmSync(folder, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
for (const name of ['SIGINT', 'SIGTERM']) process.on(name, () => child.kill(name));

function fail(error) {
  console.error(`unprivileged.mjs: could not run ${command}: ${error.message}`);
  process.exit(1);
}
