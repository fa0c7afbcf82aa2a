import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-harness';
import { runCli } from '../support/run-cli';
import { startCountingProxy, type CountingProxy } from '../support/smb-counting-proxy';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';

/*
 * The CLI copies to and from SMB on its main thread, over two connections (lanes) instead of
 * two worker threads with a client each: the engine's own session, used for LAUNCHING and
 * PREPARING, and one more, opened for the transfer. Counted by a proxy in front of Samba (worker
 * threads made three: the engine's session and one per thread).
 */

let server: RunningSmbServer;
let proxy: CountingProxy;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startSmbServer();
  proxy = await startCountingProxy(server.port);
}, 60_000);
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await proxy?.close();
  await server?.stop();
});

async function dir(label: string): Promise<string> {
  const d = await tempDir(label);
  cleanup.push(d.remove);
  return d.dir;
}

/** Connections the CLI opened, counted until it exits (the run's check afterwards opens more). */
let connections = -1;
function countConnections(child: ChildProcess): void {
  proxy.reset();
  child.once('exit', () => (connections = proxy.connections));
}

const url = (folder: string): string =>
  `smb://${server.user}@127.0.0.1:${proxy.port}/${server.share}/${folder}?domain=TESTGROUP`;

describe('CLI with SMB on one side', () => {
  it('copies up and down on two connections, no more', async () => {
    const src = await dir('lanes-src');
    const data = await dir('lanes-data');
    await mkdir(path.join(src, 'sub'));
    for (let i = 0; i < 60; i++)
      await writeFile(path.join(src, i % 2 ? 'sub' : '', `f${i}.txt`), `file ${i}\n`.repeat(i + 1));
    const disk = path.join(server.root, 'lanes');
    await mkdir(disk);
    server.giveToUser(disk);
    const env = { DATAFERRY_SMB_PASSWORD: server.password };

    const up = await runCli(['run', '--from', src, '--to', url('lanes'), '--json'], {
      dataDir: data,
      env,
      onSpawn: countConnections,
    });
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).counters).toMatchObject({
      FilesTransferred: 60,
      FilesVerified: 60,
    });
    expect(await readFile(path.join(disk, 'sub', 'f59.txt'), 'utf8')).toBe('file 59\n'.repeat(60));
    expect(connections).toBe(2);

    const back = await dir('lanes-back');
    const down = await runCli(['run', '--from', url('lanes'), '--to', back, '--json'], {
      dataDir: data,
      env,
      onSpawn: countConnections,
    });
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout).counters).toMatchObject({ FilesTransferred: 60 });
    expect((await readdir(path.join(back, 'sub'))).length).toBe(30);
    expect(await readFile(path.join(back, 'f0.txt'), 'utf8')).toBe('file 0\n');
    expect(connections).toBe(2);
  });
});
