// Transfers, local disk to local disk, DataFerry's `dataferry run` (the real CLI, worker threads,
// hashing, atomic writes) against cp and rsync on the same data in the same run. Each case is the
// median of RUNS runs; the ratio is DataFerry's time over the peer's (1.00x = as fast, lower is
// faster). Throughput ratios for the large file are the inverse. Peak memory of PREPARING a
// 1,000,000-entry plan is measured with a dry run (LAUNCHING + PREPARING only).
//   BENCH_RUNS=3  BENCH_BIG_MIB=1024  BENCH_SMALL_FILES=20000  BENCH_PLAN_ENTRIES=1000000
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(repo, 'bin', 'dataferry.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BIG_MIB = Number(process.env.BENCH_BIG_MIB ?? 1024);
const SMALL_FILES = Number(process.env.BENCH_SMALL_FILES ?? 20000);
const PLAN_ENTRIES = Number(process.env.BENCH_PLAN_ENTRIES ?? 1_000_000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(command, args, env = {}) {
  // Every run starts with no dirty pages waiting to be written: the same conditions for all.
  spawnSync('sync');
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function have(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export async function run() {
  for (const tool of ['cp', 'rsync', '/usr/bin/time']) {
    if (!have(tool))
      throw new Error(`${tool} is needed for this benchmark (apt-get install rsync time)`);
  }
  if (!existsSync(path.join(repo, 'out/main/cli.js'))) throw new Error('run npm run build first');
  const base = mkdtempSync(path.join(os.tmpdir(), 'df-bench-'));
  const data = path.join(base, 'data');
  const df = (from, to, extra = []) =>
    timed(process.execPath, [BIN, 'run', '--from', from, '--to', to, ...extra], {
      DATAFERRY_DATA_DIR: data,
    });
  // Every run writes into a destination of its own, made empty beforehand; all are removed at
  // the end. Deleting 20,000 files just before a run makes ext4 scan for inodes it may reuse
  // (recently_deleted) and measures that instead of the tools.
  let destinations = 0;
  const fresh = (dir) => {
    const target = `${dir}-${++destinations}`;
    mkdirSync(target, { recursive: true });
    return target;
  };
  const rows = [];
  try {
    // 1. One large file.
    const bigSrc = path.join(base, 'big-src');
    mkdirSync(bigSrc);
    execFileSync('dd', [
      'if=/dev/urandom',
      `of=${path.join(bigSrc, 'big.bin')}`,
      'bs=1M',
      `count=${BIG_MIB}`,
      'status=none',
    ]);
    const bigDst = path.join(base, 'big-dst');
    const cases = {
      cp: () => timed('cp', ['-a', path.join(bigSrc, 'big.bin'), fresh(bigDst)]),
      'dataferry --verify none': () => df(bigSrc, fresh(bigDst), ['--verify', 'none']),
      'dataferry (verify on)': () => df(bigSrc, fresh(bigDst)),
    };
    const big = measure(cases);
    const mib = (ms) => (BIG_MIB / (ms / 1000)).toFixed(0);
    rows.push([
      `1 file of ${BIG_MIB} MiB`,
      'cp -a',
      big.cp,
      big['dataferry --verify none'],
      `${mib(big['dataferry --verify none'])} vs ${mib(big.cp)} MiB/s`,
    ]);
    rows.push([
      `1 file of ${BIG_MIB} MiB, verified`,
      'cp -a',
      big.cp,
      big['dataferry (verify on)'],
      'DataFerry also reads the copy back and compares xxh64',
    ]);
    rmSync(bigSrc, { recursive: true, force: true });

    // 2. and 3. Many small files, then the no-change re-run.
    const smallSrc = path.join(base, 'small-src');
    for (let i = 0; i < SMALL_FILES; i++) {
      const dir = path.join(smallSrc, `d${Math.floor(i / 1000)}`);
      if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `f${i}.dat`), Buffer.alloc(4096, i % 251));
    }
    const smallDst = path.join(base, 'small-dst');
    const small = measure({
      'rsync -a': () => timed('rsync', ['-a', `${smallSrc}/`, `${fresh(smallDst)}/`]),
      dataferry: () => df(smallSrc, fresh(smallDst)),
      'dataferry --verify none': () => df(smallSrc, fresh(smallDst), ['--verify', 'none']),
    });
    rows.push([
      `${SMALL_FILES} files of 4 KiB`,
      'rsync -a',
      small['rsync -a'],
      small.dataferry,
      `verify none: ${(small['dataferry --verify none'] / small['rsync -a']).toFixed(2)}x`,
    ]);
    const synced = fresh(smallDst);
    timed('rsync', ['-a', `${smallSrc}/`, `${synced}/`]);
    const rerun = measure({
      'rsync -a': () => timed('rsync', ['-a', `${smallSrc}/`, `${synced}/`]),
      dataferry: () => df(smallSrc, synced),
    });
    rows.push([
      `no-change re-run, ${SMALL_FILES} files`,
      'rsync -a',
      rerun['rsync -a'],
      rerun.dataferry,
      '',
    ]);
    rmSync(smallSrc, { recursive: true, force: true });

    // 4. Peak memory of PREPARING a plan of PLAN_ENTRIES entries.
    const planSrc = path.join(base, 'plan-src');
    const perDir = 1000;
    for (let i = 0; i < PLAN_ENTRIES; i++) {
      const dir = path.join(planSrc, `d${Math.floor(i / perDir)}`);
      if (i % perDir === 0) mkdirSync(dir, { recursive: true });
      closeSync(openSync(path.join(dir, `entry-${i}`), 'w'));
    }
    const planDst = path.join(base, 'plan-dst');
    const peak = (command, args) => {
      const r = spawnSync('/usr/bin/time', ['-f', '%M %e', command, ...args], {
        env: { ...process.env, DATAFERRY_DATA_DIR: data },
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      if (r.status !== 0) throw new Error(r.stderr);
      const [kb, secs] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
      return { mib: kb / 1024, secs };
    };
    const ours = peak(process.execPath, [
      BIN,
      'run',
      '--from',
      planSrc,
      '--to',
      planDst,
      '--dry-run',
    ]);
    const theirs = peak('rsync', ['-a', '--dry-run', `${planSrc}/`, `${planDst}/`]);
    rmSync(planSrc, { recursive: true, force: true });

    console.log(`median of ${RUNS} runs; ratio = DataFerry time / peer time (lower is better)`);
    console.log(
      [
        'case'.padEnd(34),
        'peer'.padEnd(9),
        'peer s'.padStart(8),
        'ours s'.padStart(8),
        'ratio'.padStart(7),
        '  note',
      ].join(' '),
    );
    for (const [name, peer, theirsMs, oursMs, note] of rows) {
      console.log(
        [
          name.padEnd(34),
          peer.padEnd(9),
          (theirsMs / 1000).toFixed(2).padStart(8),
          (oursMs / 1000).toFixed(2).padStart(8),
          `${(oursMs / theirsMs).toFixed(2)}x`.padStart(7),
          `  ${note}`,
        ].join(' '),
      );
    }
    console.log(
      `PREPARING ${PLAN_ENTRIES} entries (dry run): peak RSS ${ours.mib.toFixed(0)} MiB in ${ours.secs.toFixed(1)} s; ` +
        `rsync --dry-run ${theirs.mib.toFixed(0)} MiB in ${theirs.secs.toFixed(1)} s`,
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function measure(cases) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, fn] of Object.entries(cases)) samples[name].push(fn());
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}
