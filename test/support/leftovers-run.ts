/**
 * What the "nothing left behind" tests (issue 15, item 1) share for every destination kind: a
 * destination whose sub-folders exist before the run, a run interrupted in the middle of a large
 * file deep in them (SIGKILL: nothing can clean up; SIGINT / SIGTERM: the CLI cancels), and the
 * checks that no `.dataferry-` temporary and no multipart upload stays anywhere under the
 * destination, found by walking the real storage (a disk folder, the share's or the export's
 * folder on this machine, ListObjectsV2 and the server's own list of uploads).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import { endsWithin, MiB, outcome, startCli, treeOf, until, type RunOutcome } from './fault-run';
import { randomFile } from './file-hash';
import { runCli } from './run-cli';

/** Where the large file goes: two levels down, in folders the destination already has. */
export const DEEP_BIG = 'sub/deep/big.bin';

/** What a test tells the harness about its destination. */
export interface LeftoverDestination {
  /** The destination's location (URL or path) for `dataferry run --to`. */
  to: string;
  /** Environment the CLI needs (passwords, credentials). */
  env: Record<string, string>;
  /**
   * Every name under the destination that is ours and in the way: relative paths holding
   * `.dataferry-` (temporaries, anywhere) and, on S3, `upload:KEY` per multipart upload.
   */
  leftovers(): Promise<string[]>;
  /** Relative path -> sha-256 of every file under the destination (folders left out). */
  files(): Promise<Record<string, string>>;
  /** Something (a value) once the large file's write is well under way, else undefined. */
  halfWay(): Promise<unknown>;
  /**
   * Something once a cancel would land on writes of every kind at once (the large file under
   * way and small files of sub/many/ in flight: more than 40 of them done), else undefined.
   */
  busy(): Promise<unknown>;
}

/** How many files sub/many/ holds under final names in a real folder (0 while it is missing). */
export function finalsIn(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).filter((n) => !n.includes('.dataferry-')).length;
}

/**
 * The base tree under `src`: top.txt, sub/01..04.bin (256 KiB), sub/deep/d.txt, sub/other/o.txt.
 */
export async function makeBaseTree(src: string): Promise<void> {
  await mkdir(path.join(src, 'sub/deep'), { recursive: true });
  await mkdir(path.join(src, 'sub/other'), { recursive: true });
  await writeFile(path.join(src, 'top.txt'), 'top\n');
  for (const n of ['01', '02', '03', '04'])
    await randomFile(path.join(src, `sub/${n}.bin`), MiB / 4);
  await writeFile(path.join(src, 'sub/deep/d.txt'), 'deep\n');
  await writeFile(path.join(src, 'sub/other/o.txt'), 'other\n');
}

/** Relative path -> sha-256 of every file of a local tree (folders left out). */
export async function filesOf(root: string): Promise<Record<string, string>> {
  const tree = await treeOf(root);
  return Object.fromEntries(Object.entries(tree).filter(([, v]) => v !== 'dir'));
}

/** Every path under `root` (a real folder) whose name holds `.dataferry-`, sorted. */
export function dataferryNamesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    const dir = path.join(root, rel);
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = rel ? `${rel}/${name}` : name;
      if (name.includes('.dataferry-')) found.push(p);
      try {
        if (statSync(path.join(root, p)).isDirectory()) walk(p);
      } catch {
        // removed meanwhile
      }
    }
  };
  walk('');
  return found.sort();
}

/** The messages an execution logged (from the data folder's database, once the CLI closed it). */
export function logOf(dataDir: string, executionId: string): string[] {
  const db = new DatabaseSync(path.join(dataDir, 'dataferry.db'), { readOnly: true });
  try {
    const rows = db
      .prepare('SELECT message FROM execution_log WHERE execution_id = ? ORDER BY seq')
      .all(executionId) as { message: string }[];
    return rows.map((r) => r.message);
  } finally {
    db.close();
  }
}

async function run(args: string[], data: string, env: Record<string, string>): Promise<RunOutcome> {
  return outcome(await runCli([...args, '--json'], { dataDir: data, env }));
}

/**
 * A first run copies the base tree (so sub/ and sub/deep/ exist at the destination), then a run
 * that also has `sub/deep/big.bin` (of `bigBytes`) is killed with SIGKILL half-way through it,
 * leaving its temporary (or multipart upload) in sub/deep/. The user gives up on big.bin (gone
 * from the source), so the next, incremental run has nothing at all to do in sub/deep/: it must
 * still remove the temporary. Checks the re-run's counters (the leftover is no file of the run),
 * its log line naming the folder, no leftover anywhere, and the destination equal to the source.
 * Resolves with what the kill left, for the caller's figures.
 */
export async function killThenRerunCleans(
  d: LeftoverDestination,
  src: string,
  data: string,
  bigBytes: number,
): Promise<{ leftAfterKill: string[]; rerun: RunOutcome; log: string[] }> {
  await makeBaseTree(src);
  const args = ['run', '--from', src, '--to', d.to];
  const first = await run(args, data, d.env);
  expect(first.status, JSON.stringify(first.error)).toBe('SUCCESS');

  await randomFile(path.join(src, DEEP_BIG), bigBytes);
  const killed = startCli([...args, '--bwlimit', '4M', '--parallel', '1'], data, d.env);
  await until('big.bin half-way', () => d.halfWay(), killed.exited);
  killed.kill('SIGKILL');
  expect((await killed.done).code, 'killed by SIGKILL').toBeNull();
  const leftAfterKill = await d.leftovers();
  expect(leftAfterKill.length, 'the killed run left its temporary').toBeGreaterThan(0);

  await rm(path.join(src, DEEP_BIG));
  const rerun = await run(args, data, d.env);
  expect(rerun.status, JSON.stringify(rerun.error)).toBe('SUCCESS');
  const source = await filesOf(src);
  expect(rerun.counters).toMatchObject({
    FilesTransferred: 0,
    FilesFailed: 0,
    FilesDeleted: 0,
    FilesSkipped: Object.keys(source).length,
  });
  const log = logOf(data, rerun.id);
  expect(await d.leftovers()).toEqual([]);
  expect(await d.files()).toEqual(source);
  return { leftAfterKill, rerun, log };
}

/**
 * A run over an existing destination that writes `sub/deep/big.bin` (of `bigBytes`) and 400
 * small files (16 KiB) into sub/many/, cancelled with `signal` (SIGINT or SIGTERM: what Ctrl-C
 * and a service manager send) while big.bin and small files are in flight: the run ends
 * CANCELLED (exit 3) and right then nothing of ours is left under the destination. Resolves
 * with the cancelled run.
 */
export async function cancelLeavesNothing(
  d: LeftoverDestination,
  src: string,
  data: string,
  bigBytes: number,
  signal: 'SIGINT' | 'SIGTERM',
): Promise<RunOutcome> {
  await makeBaseTree(src);
  const args = ['run', '--from', src, '--to', d.to];
  const first = await run(args, data, d.env);
  expect(first.status, JSON.stringify(first.error)).toBe('SUCCESS');

  await randomFile(path.join(src, DEEP_BIG), bigBytes);
  await mkdir(path.join(src, 'sub/many'));
  for (let i = 0; i < 400; i++) await randomFile(path.join(src, `sub/many/${i}.bin`), 16 * 1024);
  const running = startCli([...args, '--bwlimit', '2M', '--json'], data, d.env);
  await until('big.bin and small files in flight', () => d.busy(), running.exited);
  running.kill(signal);
  const result = await endsWithin(running, 30_000, signal);
  const ended = outcome(result);
  expect(ended.status, JSON.stringify(ended.error)).toBe('CANCELLED');
  expect(result.code).toBe(3);
  expect(await d.leftovers()).toEqual([]);
  return ended;
}
