/**
 * The CLI killed with SIGKILL in the middle of a run, then started again: shared by the fault
 * tests of every destination kind. The source is eight files in tree order (four of 1 MiB, a
 * big one, three of 1 MiB) moved one at a time under a bandwidth limit, so the kill lands while
 * the big one is half-way and some files are complete.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { randomFile } from './file-hash';
import { MiB, outcome, startCli, treeOf, until, type RunOutcome } from './fault-run';
import { runCli } from './run-cli';

/** The big file's name in the tree makeKillTree writes. */
export const KILL_BIG = '05-big.bin';

/** Writes the eight files under `root` (the big one of `bigBytes`); resolves with treeOf(root). */
export async function makeKillTree(
  root: string,
  bigBytes: number,
): Promise<Record<string, string>> {
  for (const n of ['01', '02', '03', '04']) await randomFile(path.join(root, `${n}.bin`), MiB);
  await randomFile(path.join(root, KILL_BIG), bigBytes);
  for (const n of ['06', '07', '08']) await randomFile(path.join(root, `${n}.bin`), MiB);
  return treeOf(root);
}

export interface KillAndRerun {
  /** `--from X --to Y`: the run's locations. */
  from: string;
  to: string;
  data: string;
  env?: Record<string, string>;
  /** Resolves (with anything) once the big file is half-way at the destination. */
  halfWay(gaveUp: () => boolean): Promise<unknown>;
  /** The files under final names at the destination now (each checked complete by the caller). */
  finals(): Promise<string[]>;
  /** How many files the source holds. */
  total: number;
}

/**
 * Runs, kills the CLI (SIGKILL) once `halfWay` says so, then checks what the next start says
 * (`executions list`: ERROR, interrupted) and that a re-run moves exactly what was missing:
 * FilesTransferred = total - finals, FilesSkipped = finals. Resolves with the files that were
 * complete after the kill and the re-run's outcome, for the caller's checks of the destination.
 */
export async function killAndRerun(
  o: KillAndRerun,
): Promise<{ finalsAfterKill: string[]; again: RunOutcome }> {
  const env = o.env ?? {};
  const args = ['run', '--from', o.from, '--to', o.to];
  const run = startCli([...args, '--bwlimit', '4M', '--parallel', '1'], o.data, env);
  await until('the big file half-way', () => o.halfWay(run.exited), run.exited);
  run.kill('SIGKILL');
  expect((await run.done).code, 'killed by SIGKILL').toBeNull();
  // A plan that outgrew memory lives in a temporary SQLite file, which a killed process cannot
  // remove; the next start does (plan-store.test.ts proves the sweep on a plan of its own).
  const plans = (): string[] =>
    readdirSync(os.tmpdir()).filter((n) => n.startsWith(`dataferry-plan-${run.pid()}-`));
  expect(plans().length).toBeLessThanOrEqual(1);
  const finalsAfterKill = await o.finals();
  expect(finalsAfterKill).not.toContain(KILL_BIG);

  const listed = await runCli(['executions', 'list', '--json'], { dataDir: o.data, env });
  const [last] = JSON.parse(listed.stdout) as RunOutcome[];
  expect(last).toMatchObject({ status: 'ERROR', interrupted: true });
  expect(last?.error?.message).toMatch(/interrupted/i);

  const again = outcome(await runCli([...args, '--json'], { dataDir: o.data, env }));
  expect(again.status, JSON.stringify(again.error)).toBe('SUCCESS');
  expect(again.counters).toMatchObject({
    FilesTransferred: o.total - finalsAfterKill.length,
    FilesSkipped: finalsAfterKill.length,
    FilesFailed: 0,
  });
  expect(plans()).toEqual([]);
  return { finalsAfterKill, again };
}
