#!/usr/bin/env node
// Runs a command so that file permissions apply to it even when it runs as root (CI runs as
// root): tests of "permission denied" must see real denials. It drops the two capabilities that
// let root ignore file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) with util-linux's setpriv;
// as an ordinary user it runs the command unchanged.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

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
const result = asRoot
  ? spawnSync(
      'setpriv',
      ['--bounding-set', '-dac_override,-dac_read_search', executable, ...args],
      { stdio: 'inherit' },
    )
  : spawnSync(executable, args, { stdio: 'inherit' });
if (result.error) {
  console.error(`unprivileged.mjs: could not run ${command}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
