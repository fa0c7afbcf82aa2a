// The per-file budget of a small local copy (issue 19): what one file of 4 KiB costs DataFerry,
// local -> new local folder with its defaults, against rsync -a on the same files:
// - system calls per file by kind (strace -c -f over the whole process tree, BENCH_STRACE_FILES
//   files: strace slows every call, so fewer files than the timed table);
// - messages between the main thread and the transfer threads per file (count-messages.mjs,
//   preloaded: posted to workers, received from them);
// - bytes of JavaScript heap allocated per file and the GC pauses, per thread (V8's
//   --trace-gc-nvp: `allocated=` is what the thread allocated since its previous GC; the bytes
//   after the last GC of each thread are not counted), and the CPU time (user+sys) of the run.
// rsync has no JavaScript heap and no threads: its columns are system calls and CPU only.
//   BENCH_BUDGET_FILES=20000  BENCH_STRACE_FILES=2000
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, progress, repo, writeSmallSet } from './bench-data.mjs';

const FILES = Number(process.env.BENCH_BUDGET_FILES ?? 20_000);
const STRACE_FILES = Number(process.env.BENCH_STRACE_FILES ?? 2000);
const COUNT_MESSAGES = path.join(repo, 'bench', 'count-messages.mjs');

/** The system calls in the table, in this order; the rest are summed as "other". */
const CALLS = [
  ['openat', ['openat', 'open']],
  ['stat family', ['statx', 'newfstatat', 'fstat', 'lstat', 'stat']],
  ['read / pread', ['read', 'pread64', 'readv']],
  ['write / pwrite', ['write', 'pwrite64', 'writev']],
  ['close', ['close']],
  ['rename', ['rename', 'renameat', 'renameat2']],
  ['chmod / chown', ['fchmod', 'fchown', 'chmod', 'lchown', 'fchmodat', 'fchownat']],
  ['times', ['utimensat', 'futimens']],
  ['getdents', ['getdents64']],
  ['futex (thread hand-offs)', ['futex']],
  ['epoll', ['epoll_pwait', 'epoll_wait', 'epoll_ctl']],
];

/** strace -c -f of a command: calls by name. */
function straceCounts(command, args, env) {
  const out = path.join(os.tmpdir(), `df-bench-strace-${process.pid}`);
  const r = spawnSync('strace', ['-f', '-c', '-o', out, command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0)
    throw new Error(`strace ${command}: exit ${r.status}: ${r.stderr.slice(-300)}`);
  const counts = new Map();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    // % time, seconds, usecs/call, calls, [errors], syscall
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !/^\d/.test(f[0]) || f.at(-1) === 'total') continue;
    counts.set(f.at(-1), Number(f[3]));
  }
  rmSync(out, { force: true });
  return counts;
}

function perFileRows(counts, files) {
  const named = new Set(CALLS.flatMap(([, names]) => names));
  const rows = CALLS.map(([label, names]) => [
    label,
    names.reduce((sum, n) => sum + (counts.get(n) ?? 0), 0) / files,
  ]);
  let other = 0;
  for (const [name, n] of counts) if (!named.has(name)) other += n;
  rows.push(['other', other / files]);
  rows.push(['all', [...counts.values()].reduce((a, b) => a + b, 0) / files]);
  return rows;
}

/** allocated= and pause= of --trace-gc-nvp lines, summed per isolate (thread). */
function gcPerThread(text) {
  const threads = new Map();
  for (const line of text.split('\n')) {
    const m = /^\[\d+:(0x[0-9a-f]+):\d+\].*?\bpause=([\d.]+).*?\sallocated=(\d+)/.exec(line);
    if (!m) continue;
    const t = threads.get(m[1]) ?? { gcs: 0, pauseMs: 0, allocated: 0 };
    t.gcs++;
    t.pauseMs += Number(m[2]);
    t.allocated += Number(m[3]);
    threads.set(m[1], t);
  }
  return [...threads.values()];
}

export async function run() {
  for (const tool of ['/usr/bin/strace', '/usr/bin/rsync', '/usr/bin/time'])
    if (!existsSync(tool)) throw new Error(`${tool} is needed (apt-get install strace rsync time)`);
  if (!existsSync(path.join(repo, 'out/main/cli.js'))) throw new Error('run npm run build first');
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-budget-'));
  const env = { ...process.env, DATAFERRY_DATA_DIR: path.join(base, 'data') };
  try {
    progress(`writing ${FILES} + ${STRACE_FILES} files of 4 KiB`);
    const src = path.join(base, 'src');
    const straceSrc = path.join(base, 'strace-src');
    writeSmallSet(src, FILES);
    writeSmallSet(straceSrc, STRACE_FILES);

    // System calls: DataFerry (whole process tree) and rsync, each into a new folder.
    const ours = straceCounts(
      process.execPath,
      [BIN, 'run', '--from', straceSrc, '--to', path.join(base, 'strace-df')],
      env,
    );
    const theirs = straceCounts(
      'rsync',
      ['-a', `${straceSrc}/`, `${path.join(base, 'strace-rsync')}/`],
      env,
    );
    const oursRows = perFileRows(ours, STRACE_FILES);
    const theirsRows = perFileRows(theirs, STRACE_FILES);

    // Messages, heap and CPU: one run of FILES files with the counters on.
    const timed = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'cpu %U %S',
        process.execPath,
        '--trace-gc-nvp',
        '--import',
        COUNT_MESSAGES,
        BIN,
        'run',
        '--from',
        src,
        '--to',
        path.join(base, 'df'),
        '--json',
      ],
      { env, encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    if (timed.status !== 0)
      throw new Error(`dataferry: exit ${timed.status}: ${timed.stderr.slice(-300)}`);
    const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(timed.stderr);
    const messages = /thread-messages posted=(\d+) received=(\d+)/.exec(timed.stderr);
    // --trace-gc-nvp writes to stdout, before the JSON summary (which starts at its first '{' line).
    const threads = gcPerThread(timed.stdout);
    const rsync = spawnSync(
      '/usr/bin/time',
      ['-f', 'cpu %U %S', 'rsync', '-a', `${src}/`, `${path.join(base, 'rsync')}/`],
      {
        encoding: 'utf8',
      },
    );
    const rsyncCpu = /cpu ([\d.]+) ([\d.]+)/.exec(rsync.stderr);

    console.log(
      `Per-file budget, local -> new local folder, 4 KiB files, defaults (verification on); ` +
        `system calls over ${STRACE_FILES} files (strace -c -f), the rest over ${FILES}`,
    );
    console.log('| per file | DataFerry | rsync -a |');
    console.log('|---|---:|---:|');
    for (let i = 0; i < oursRows.length; i++)
      console.log(
        `| ${oursRows[i][0]} | ${oursRows[i][1].toFixed(2)} | ${theirsRows[i][1].toFixed(2)} |`,
      );
    const perFile = (n) => (Number(n) / FILES).toFixed(3);
    if (messages)
      console.log(
        `| thread messages (main -> workers / workers -> main) | ${perFile(messages[1])} / ${perFile(messages[2])} | - |`,
      );
    threads
      .sort((a, b) => b.allocated - a.allocated)
      .forEach((t, i) =>
        console.log(
          `| JS heap allocated, thread ${i + 1} (${t.gcs} GCs, ${t.pauseMs.toFixed(0)} ms paused) | ${Math.round(t.allocated / FILES)} B | - |`,
        ),
      );
    const totalPause = threads.reduce((s, t) => s + t.pauseMs, 0);
    if (cpu && rsyncCpu)
      console.log(
        `| CPU per file, user + sys (GC pauses: ${totalPause.toFixed(0)} ms in all) | ` +
          `${((1e6 * (Number(cpu[1]) + Number(cpu[2]))) / FILES).toFixed(0)} us (${cpu[1]} + ${cpu[2]} s) | ` +
          `${((1e6 * (Number(rsyncCpu[1]) + Number(rsyncCpu[2]))) / FILES).toFixed(0)} us (${rsyncCpu[1]} + ${rsyncCpu[2]} s) |`,
      );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
