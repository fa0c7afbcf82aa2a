/**
 * What the fault tests share: the real `dataferry run` started in the background (so a test can
 * hurt a server while it runs), bounded waits, and what a destination holds, temporaries
 * included, to prove nothing partial ever sits under a final name.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { appendFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isTemporaryName } from '../../src-main/locations/temp-names';
import { randomFile, sha256File } from './file-hash';
import { runCli, type CliRun } from './run-cli';

export const MiB = 1024 * 1024;

export interface RunOutcome {
  id: string;
  status: string;
  interrupted?: boolean;
  phases?: Record<string, { status: string }>;
  counters: Record<string, number>;
  error: { code: string; message: string } | null;
}

/** The final execution a `--json` run printed; throws with the output when there is none. */
export function outcome(result: CliRun): RunOutcome {
  try {
    return JSON.parse(result.stdout) as RunOutcome;
  } catch {
    throw new Error(`no JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

export interface BackgroundRun {
  done: Promise<CliRun>;
  exited(): boolean;
  /** Sends a signal to the CLI process (SIGKILL by default). */
  kill(signal?: NodeJS.Signals): void;
  /** The CLI's process id. */
  pid(): number | undefined;
}

/** `dataferry ARGS` started now, in the background. */
export function startCli(args: string[], dataDir: string, env: Record<string, string> = {}) {
  let child: ChildProcess | null = null;
  let exited = false;
  const done = runCli(args, { dataDir, env, onSpawn: (c) => (child = c) }).finally(
    () => (exited = true),
  );
  const run: BackgroundRun = {
    done,
    exited: () => exited,
    kill: (signal = 'SIGKILL') => void (child as ChildProcess | null)?.kill(signal),
    pid: () => (child as ChildProcess | null)?.pid,
  };
  return run;
}

/** Waits for the run to end, at most `ms`; ends it (SIGKILL) and throws when it hangs. */
export async function endsWithin(run: BackgroundRun, ms: number, what: string): Promise<CliRun> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const result = await Promise.race([run.done, late]);
  clearTimeout(timer);
  if (result !== 'late') return result;
  run.kill('SIGKILL');
  const killed = await run.done;
  throw new Error(
    `dataferry still ran ${ms / 1000} s after ${what} (a hang):\n${killed.stdout}\n${killed.stderr}`,
  );
}

/**
 * Polls `check` every 20 ms (file sizes on disk have no event to wait on) until it answers a
 * value; throws when `gaveUp()` says the run ended first, or after `ms`.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  gaveUp: () => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    if (gaveUp()) throw new Error(`the run ended before ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${what} did not happen within ${ms / 1000} s`);
}

/** The size of the largest temporary (`.dataferry-*.partial`) in `dir`, if any holds `bytes`. */
export function temporaryOf(dir: string, bytes: number): number | undefined {
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir)) {
    if (!isTemporaryName(name)) continue;
    try {
      const { size } = statSync(path.join(dir, name));
      if (size >= bytes) return size;
    } catch {
      // renamed or removed meanwhile
    }
  }
  return undefined;
}

/** Relative path -> 'dir' or the file's sha-256, for everything under `root`, temporaries too. */
export async function treeOf(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(root, p)).isDirectory()) {
        out[p] = 'dir';
        await walk(p);
      } else {
        out[p] = await sha256File(path.join(root, p));
      }
    }
  };
  await walk('');
  return out;
}

/** The temporaries in a tree from treeOf. */
export const temporariesIn = (tree: Record<string, string>): string[] =>
  Object.keys(tree).filter((p) => isTemporaryName(path.posix.basename(p)));

/**
 * Every file under a final name in `got` is byte-identical with the source's file of that name:
 * nothing partial, nothing foreign. Returns the final names found.
 */
export function completeFilesOnly(
  source: Record<string, string>,
  got: Record<string, string>,
): string[] {
  const finals = Object.keys(got).filter((p) => !isTemporaryName(path.posix.basename(p)));
  const wrong = finals.filter((p) => got[p] !== source[p]);
  if (wrong.length > 0) {
    throw new Error(`partial or foreign files under final names: ${wrong.join(', ')}`);
  }
  return finals;
}

/**
 * A small source tree: a.txt, sub/b.txt, sub/c.bin (200 kB) and `big.bin` of `bigBytes`
 * random bytes. Resolves with the tree (path -> sha-256 or 'dir').
 */
export async function makeSourceTree(
  root: string,
  bigBytes: number,
): Promise<Record<string, string>> {
  await mkdir(path.join(root, 'sub'), { recursive: true });
  await writeFile(path.join(root, 'a.txt'), 'alpha\n');
  await writeFile(path.join(root, 'sub/b.txt'), 'bravo\n'.repeat(1000));
  await randomFile(path.join(root, 'sub/c.bin'), 200_000);
  await randomFile(path.join(root, 'big.bin'), bigBytes);
  return treeOf(root);
}

export interface ReportLine {
  path: string;
  action: string;
  size: number;
  errorCode: string | null;
  detail: string | null;
}

/** The task report of an execution (`dataferry report ID`), verified lines left out. */
export async function reportOf(id: string, dataDir: string): Promise<Map<string, ReportLine>> {
  const result = await runCli(['report', id], { dataDir });
  const parsed = JSON.parse(result.stdout) as { files: ReportLine[] };
  return new Map(parsed.files.filter((f) => f.action !== 'verified').map((f) => [f.path, f]));
}

/**
 * The warnings an execution logged about retrying (read from the data folder's database, which
 * the CLI has closed): how a test tells the engine's retries from a client that rode a fault
 * out on its own.
 */
export function retriesLogged(dataDir: string, executionId: string): string[] {
  const db = new DatabaseSync(path.join(dataDir, 'dataferry.db'), { readOnly: true });
  try {
    const rows = db
      .prepare('SELECT message FROM execution_log WHERE execution_id = ? ORDER BY seq')
      .all(executionId) as { message: string }[];
    return rows.map((r) => r.message).filter((m) => m.includes('; retrying in '));
  } finally {
    db.close();
  }
}

/** How long the kill-and-restart tests keep a server down: longer than any reconnect. */
export const DOWNTIME_MS = 2_000;

/** The outage itself: the server stays down this long (a duration, not a synchronisation). */
export function downFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A server killed while `run` is under way, kept down for DOWNTIME_MS (longer than any
 * reconnect) and started again: resolves with how the run ended (within 90 s) and the retries
 * its execution log shows.
 */
export async function killAndRestartDuring(
  run: BackgroundRun,
  server: { kill(): Promise<void>; restart(): Promise<void> },
  dataDir: string,
  label: string,
): Promise<{ result: RunOutcome; retries: string[] }> {
  await server.kill();
  await downFor(DOWNTIME_MS);
  await server.restart();
  const result = outcome(await endsWithin(run, 90_000, `${label} restarted`));
  const retries = retriesLogged(dataDir, result.id);
  console.info(`${label} restart: engine retries: ${JSON.stringify(retries)}`);
  return { result, retries };
}

/**
 * What the "source changed while copied" tests do to a source folder (as the OS sees it) while
 * a run copies `a-changes.bin`: 4 bytes appended to it, `b-gone.bin` deleted, and the mtime of
 * `c-churn.bin` changed every 100 ms until the returned stop() (also registered in `cleanup`).
 */
export async function disturbSource(
  dir: string,
  cleanup: (() => void | Promise<void>)[],
): Promise<() => void> {
  await appendFile(path.join(dir, 'a-changes.bin'), 'more');
  await rm(path.join(dir, 'b-gone.bin'));
  let tick = 0;
  const churning = setInterval(() => {
    const t = new Date(Date.now() + ++tick * 1000);
    void utimes(path.join(dir, 'c-churn.bin'), t, t).catch(() => undefined);
  }, 100);
  const stop = (): void => clearInterval(churning);
  cleanup.push(stop);
  return stop;
}
