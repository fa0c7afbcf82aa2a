import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createLocation } from '../../src-main/locations/registry';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';
import { describeLocationConformance, type ConformanceFixture } from './location-conformance';

/*
 * The conformance suite against Samba 4.17 twice: its defaults (SMB 3.1.1, signed), and
 * hardened as Windows 11 24H2 / Server 2025 and many NAS boxes are (SMB 3 only, signing
 * mandatory, encryption required). Each test gets `<run>/root` in the share, next to a file
 * `<run>/x` that an escape would touch; arranging and checking go straight to the disk.
 */

const servers: Record<string, RunningSmbServer> = {};

beforeAll(async () => {
  servers.plain = await startSmbServer();
  servers.hardened = await startSmbServer({ hardened: true });
}, 60_000);
afterAll(async () => {
  await servers.plain?.stop();
  await servers.hardened?.stop();
});

function fixtureOn(which: 'plain' | 'hardened'): () => Promise<ConformanceFixture> {
  return async () => {
    const server = servers[which] as RunningSmbServer;
    const run = `run-${randomBytes(6).toString('hex')}`;
    const parent = path.join(server.root, run);
    const root = path.join(parent, 'root');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(parent, 'x'), 'outside: must stay');
    server.giveToUser(parent);
    const location = createLocation(
      {
        kind: 'smb',
        server: '127.0.0.1',
        port: server.port,
        share: server.share,
        path: `${run}/root`,
        domain: 'TESTGROUP',
        user: server.user,
        version: 'AUTOMATIC',
      },
      { password: server.password },
    );
    return {
      location,
      cleanup: async () => undefined, // the server's folder goes with it
      async putFile(rel, data) {
        const abs = path.join(root, ...rel.split('/'));
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, data);
        // World-writable, so Samba works in it as the test user: only the file and the folders
        // down to it (chmod -R of the whole tree per file made the 1,500-entry case quadratic,
        // past its time limit on a busy machine).
        let folder = root;
        await chmod(folder, 0o777);
        for (const part of rel.split('/').slice(0, -1)) {
          folder = path.join(folder, part);
          await chmod(folder, 0o777);
        }
        await chmod(abs, 0o666);
      },
      rawNames: async (folder) => (await readdir(path.join(root, folder))).sort(),
      async outside() {
        const names = (await readdir(parent)).sort();
        const x = await readFile(path.join(parent, 'x'), 'utf8');
        return JSON.stringify({ names, x });
      },
    };
  };
}

describeLocationConformance('SMB 3.1.1 (Samba defaults)', fixtureOn('plain'));
describeLocationConformance('SMB 3.1.1 encrypted (hardened Samba)', fixtureOn('hardened'));
