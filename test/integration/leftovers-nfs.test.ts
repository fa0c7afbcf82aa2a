import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';

/*
 * Nothing left behind in an NFS export (ganesha; issue 15, item 1): a run killed with SIGKILL
 * leaves a temporary in a sub-folder that existed before it, and the next run removes it
 * although it has nothing to do in that folder; a cancelled run (SIGINT, SIGTERM) leaves none.
 * The export's folder is checked on this machine's disk.
 */

let server: RunningNfsServer;
let count = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startNfsServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

/** A fresh folder in the export, as a destination. */
async function destination(): Promise<LeftoverDestination> {
  const name = `l${++count}`;
  const dir = path.join(server.root, name);
  await mkdir(dir);
  return {
    to: `nfs://127.0.0.1:${server.nfsPort}/export/${name}?mountPort=${server.mountPort}`,
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

describe('NFS destination: temporaries of interrupted runs', () => {
  it('SIGKILL mid-file in an existing sub-folder: the next run removes the temporary although nothing else changed there', async () => {
    const { leftAfterKill, log } = await killThenRerunCleans(
      await destination(),
      await local('lonfs-src'),
      await local('lonfs-data'),
      8 * MiB,
    );
    console.info(
      `NFS SIGKILL left: ${JSON.stringify(leftAfterKill)}; re-run log: ${JSON.stringify(log)}`,
    );
    expect(leftAfterKill).toEqual([expect.stringMatching(/^sub\/deep\/\.dataferry-.*\.partial$/)]);
    expect(log).toContain('Removed 1 temporary file(s) of an interrupted run in /sub/deep');
  }, 90_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-file: the run ends CANCELLED and leaves no temporary`, async () => {
      await cancelLeavesNothing(
        await destination(),
        await local('lonfs-src'),
        await local('lonfs-data'),
        8 * MiB,
        signal,
      );
    }, 90_000);
  }
});
