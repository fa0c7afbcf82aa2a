import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { MiB, temporaryOf } from '../support/fault-run';
import {
  cancelLeavesNothing,
  dataferryNamesUnder,
  filesOf,
  finalsIn,
  killThenRerunCleans,
  type LeftoverDestination,
} from '../support/leftovers-run';

/*
 * Nothing left behind at a local destination (issue 15, item 1): a run killed with SIGKILL
 * leaves a temporary in a sub-folder that existed before it, and the next run removes it
 * although it has nothing to do in that folder; a cancelled run (SIGINT, SIGTERM) leaves none.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

function destination(dir: string): LeftoverDestination {
  return {
    to: dir,
    env: {},
    leftovers: async () => dataferryNamesUnder(dir),
    files: () => filesOf(dir),
    halfWay: async () => temporaryOf(path.join(dir, 'sub/deep'), 2 * MiB),
    busy: async () =>
      finalsIn(path.join(dir, 'sub/many')) > 40 &&
      temporaryOf(path.join(dir, 'sub/deep'), 0) !== undefined
        ? true
        : undefined,
  };
}

describe('local destination: temporaries of interrupted runs', () => {
  it('SIGKILL mid-file in an existing sub-folder: the next run removes the temporary although nothing else changed there', async () => {
    const dst = await local('lol-dst');
    const { leftAfterKill, log } = await killThenRerunCleans(
      destination(dst),
      await local('lol-src'),
      await local('lol-data'),
      8 * MiB,
    );
    console.info(
      `local SIGKILL left: ${JSON.stringify(leftAfterKill)}; re-run log: ${JSON.stringify(log)}`,
    );
    expect(leftAfterKill).toEqual([expect.stringMatching(/^sub\/deep\/\.dataferry-.*\.partial$/)]);
    expect(log).toContain('Removed 1 temporary file(s) of an interrupted run in /sub/deep');
  }, 90_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-file: the run ends CANCELLED and leaves no temporary`, async () => {
      const dst = await local('lol-dst');
      await cancelLeavesNothing(
        destination(dst),
        await local('lol-src'),
        await local('lol-data'),
        8 * MiB,
        signal,
      );
    }, 90_000);
  }
});
