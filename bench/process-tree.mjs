// Time and peak memory of a command and all of its descendants, from /proc (not a benchmark
// itself: run.mjs runs only *.bench.mjs). Memory is the resident size of the whole process tree
// (the sum over the process and every descendant alive at that moment), sampled every ~20 ms;
// GNU time's maximum resident size of the largest single process is folded in, so a spike
// shorter than a sample still counts for the process that had it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';
const PAGE = 4096;
const SAMPLE_MS = 20;

/** The pids of `pid`'s children (of every thread of it); [] once it is gone. */
function childrenOf(pid) {
  const out = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' '))
        if (child.trim()) out.push(Number(child));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Resident bytes of one process (0 once it is gone). */
function rssOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

/** `pid` and all its descendants, parents first. */
function treePids(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]));
  return all;
}

/** Resident bytes of `pid` and all its descendants (without `pid` itself when `skipRoot`). */
export function treeRss(pid, skipRoot = false) {
  const pids = treePids(pid);
  return (skipRoot ? pids.slice(1) : pids).reduce((sum, p) => sum + rssOf(p), 0);
}

/**
 * Samples the tree of `pid` every ~20 ms until stopped. `peak()` is the largest sum seen so far
 * in MiB; `stop()` takes a last sample, stops and returns it.
 */
export function sampleTree(pid, skipRoot = false) {
  let peak = 0;
  const read = () => {
    peak = Math.max(peak, treeRss(pid, skipRoot));
  };
  read();
  const timer = setInterval(read, SAMPLE_MS);
  return {
    peak: () => peak / 2 ** 20,
    stop() {
      read();
      clearInterval(timer);
      return peak / 2 ** 20;
    },
  };
}

/** Whether a command is on PATH (or an existing absolute path). */
export function have(command) {
  if (command.startsWith('/')) return existsSync(command);
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** The commands measureCommand is running: their process and scratch folder. */
const running = new Set();
let aborted = false;

/**
 * Kills every command measureCommand is running, with all their descendants (SIGKILL), and
 * removes their scratch folders: for a benchmark that is interrupted (later calls of
 * measureCommand reject).
 */
export function abortMeasured() {
  aborted = true; // a case still going on must not start another command
  for (const { child, scratch } of running) {
    for (const pid of treePids(child.pid).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  }
  running.clear();
}

/**
 * Runs `command args` under GNU time after `sync` (every run starts with no dirty pages waiting
 * to be written), sampling the memory of everything below GNU time. Resolves with
 * { ms, peakMiB, firstOutputMs, firstPeakMiB, status, signal, stdout, stderr }: `ms` from spawn
 * to exit, `firstOutputMs` when its stdout first said something (and the tree's peak until
 * then). Never rejects for a failed command: callers check `status` (a spawn error rejects).
 */
export async function measureCommand(command, args, { env, cwd } = {}) {
  if (aborted) throw new Error('the benchmark was interrupted');
  spawnSync('sync');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'df-bench-time-'));
  const timeFile = path.join(scratch, 'rusage');
  try {
    const start = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args], {
      env: env ?? process.env,
      cwd,
    });
    const entry = { child, scratch };
    running.add(entry);
    const sampler = sampleTree(child.pid, true);
    let stdout = '';
    let stderr = '';
    let firstOutputMs = null;
    let firstPeakMiB = null;
    child.stdout.on('data', (chunk) => {
      if (firstOutputMs === null) {
        firstOutputMs = Number(process.hrtime.bigint() - start) / 1e6;
        firstPeakMiB = Math.max(sampler.peak(), treeRss(child.pid, true) / 2 ** 20);
      }
      if (stdout.length < 1 << 26) stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 1 << 24) stderr += chunk;
    });
    const [status, signal] = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve([code, sig]));
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    running.delete(entry);
    const sampled = sampler.stop();
    // GNU time's %M: the maximum resident size of the largest descendant, in KiB.
    const kib = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    const largest = Number.isFinite(kib) ? kib / 1024 : 0;
    return {
      ms,
      peakMiB: Math.max(sampled, largest),
      firstOutputMs: firstOutputMs ?? ms,
      firstPeakMiB: firstPeakMiB ?? Math.max(sampled, largest),
      status,
      signal,
      stdout,
      stderr,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
