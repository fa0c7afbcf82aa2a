import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createLocation } from '../../src-main/locations/registry';
import { removeTree, startNfsServer, type RunningNfsServer } from '../support/nfs-server';
import { describeLocationConformance, type ConformanceFixture } from './location-conformance';

/*
 * The conformance suite against nfs-ganesha (FSAL VFS, NFSv3 on fixed ports): each test gets
 * its own folder `<run>/root` in the export, next to a file `<run>/x` that an escape would
 * touch. The export is a folder on this machine, so arranging and checking go straight to disk.
 */

let server: RunningNfsServer;

beforeAll(async () => {
  server = await startNfsServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function makeFixture(): Promise<ConformanceFixture> {
  const run = `run-${randomBytes(6).toString('hex')}`;
  const parent = path.join(server.root, run);
  const root = path.join(parent, 'root');
  await mkdir(root, { recursive: true });
  await writeFile(path.join(parent, 'x'), 'outside: must stay');
  const location = createLocation(
    {
      kind: 'nfs',
      server: '127.0.0.1',
      port: server.nfsPort,
      mountPort: server.mountPort,
      export: server.exportPath,
      path: `${run}/root`,
      uid: 0,
      gid: 0,
      version: 'NFS3',
    },
    {},
  );
  return {
    location,
    cleanup: () => removeTree(parent),
    async putFile(rel, data) {
      const abs = path.join(root, ...rel.split('/'));
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, data);
    },
    rawNames: async (folder) => (await readdir(path.join(root, folder))).sort(),
    async outside() {
      const names = (await readdir(parent)).sort();
      const x = await readFile(path.join(parent, 'x'), 'utf8');
      return JSON.stringify({ names, x });
    },
  };
}

describeLocationConformance('NFSv3 (nfs-ganesha)', makeFixture);
