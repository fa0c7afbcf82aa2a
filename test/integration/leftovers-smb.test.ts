import { mkdirSync } from 'node:fs';
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
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * Nothing left behind in an SMB share (Samba; issue 15, item 1): a run killed with SIGKILL
 * leaves a temporary in a sub-folder that existed before it, and the next run removes it
 * although it has nothing to do in that folder; a cancelled run (SIGINT, SIGTERM) leaves none.
 * The share's folder is checked on this machine's disk, past anything the SMB client hides.
 */

let s: RunningSmbServer;
let count = 0;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  s = await startSmbServer();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function local(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

/** A fresh folder in the share, writable by the Samba user, as a destination. */
function destination(): LeftoverDestination {
  const name = `l${++count}`;
  const dir = path.join(s.root, name);
  mkdirSync(dir);
  s.giveToUser(dir);
  return {
    to: `smb://${s.user}@127.0.0.1:${s.port}/${s.share}/${name}?domain=TESTGROUP`,
    env: { DATAFERRY_SMB_PASSWORD: s.password },
    leftovers: async () => dataferryNamesUnder(dir),
    files: () => filesOf(dir),
    // Writes go out in 8 MiB pieces (Samba's maximum): the first one is there.
    halfWay: async () => temporaryOf(path.join(dir, 'sub/deep'), 8 * MiB),
    busy: async () =>
      finalsIn(path.join(dir, 'sub/many')) > 40 &&
      temporaryOf(path.join(dir, 'sub/deep'), 0) !== undefined
        ? true
        : undefined,
  };
}

describe('SMB destination: temporaries of interrupted runs', () => {
  it('SIGKILL mid-file in an existing sub-folder: the next run removes the temporary although nothing else changed there', async () => {
    const { leftAfterKill, log } = await killThenRerunCleans(
      destination(),
      await local('losmb-src'),
      await local('losmb-data'),
      20 * MiB,
    );
    console.info(
      `SMB SIGKILL left: ${JSON.stringify(leftAfterKill)}; re-run log: ${JSON.stringify(log)}`,
    );
    expect(leftAfterKill).toEqual([expect.stringMatching(/^sub\/deep\/\.dataferry-.*\.partial$/)]);
    expect(log).toContain('Removed 1 temporary file(s) of an interrupted run in /sub/deep');
  }, 90_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} mid-file: the run ends CANCELLED and leaves no temporary`, async () => {
      await cancelLeavesNothing(
        destination(),
        await local('losmb-src'),
        await local('losmb-data'),
        20 * MiB,
        signal,
      );
    }, 90_000);
  }
});
