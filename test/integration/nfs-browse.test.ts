import { chmod, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src-main/events/event-bus';
import { createHandlers } from '../../src-main/handlers/create-handlers';
import { dispatch } from '../../src-main/handlers/dispatch';
import { createAppServices, type AppServices } from '../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../src-main/store/secret-box';
import type { AppInfo } from '../../src-shared/model/app-info';
import { tempDir } from '../support/engine-harness';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';

// Browsing NFS through the contract, as the file browser does: exports, then folders.

let server: RunningNfsServer;
let services: AppServices;
let data: { dir: string; remove(): Promise<void> };
let call: (
  channel: string,
  request: unknown,
) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;

beforeAll(async () => {
  server = await startNfsServer();
  await mkdir(path.join(server.root, 'projects/2024/empty'), { recursive: true });
  await writeFile(path.join(server.root, 'projects/2024/plan.txt'), 'plan!');
  await writeFile(path.join(server.root, 'projects/readme.md'), '# hi');
  await chmod(path.join(server.root, 'projects/readme.md'), 0o640);
  data = await tempDir('nfs-browse-data');
  services = createAppServices({
    dataDir: data.dir,
    secretBox: createFileKeySecretBox(data.dir),
    bus: new EventBus(),
    schedule: false,
    log: () => undefined,
  });
  const handlers = createHandlers({ appInfo: {} as AppInfo, services });
  call = (channel, request) =>
    dispatch(handlers, channel, request, { error: () => undefined }) as never;
}, 60_000);

afterAll(async () => {
  await services?.close();
  await data?.remove();
  await server?.stop();
});

const nfs = (exportPath: string, folder = '') => ({
  kind: 'nfs',
  server: '127.0.0.1',
  port: server.nfsPort,
  mountPort: server.mountPort,
  export: exportPath,
  path: folder,
});

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('browsing NFS', () => {
  it("lists the server's exports before one is chosen", async () => {
    const answer = await call('locations:exports', {
      server: '127.0.0.1',
      mountPort: server.mountPort,
    });
    expect(answer).toMatchObject({ ok: true, value: { exports: [{ path: '/export' }] } });
  });

  it('lists folders and files of a saved NFS location with sizes, dates and modes', async () => {
    const saved = await call('locations:create', {
      name: 'Projects',
      config: nfs('/export', 'projects'),
    });
    expect(saved.ok, JSON.stringify(saved.error)).toBe(true);
    const id = (saved.value as { id: string }).id;
    const tested = await call('locations:test', { id });
    expect(tested).toMatchObject({ ok: true });
    const root = await call('locations:browse', { target: { id }, path: '' });
    expect(root).toMatchObject({ ok: true, value: { path: '', parent: null } });
    const entries = (root.value as { entries: { name: string; kind: string; size: number }[] })
      .entries;
    expect(
      entries.map((e) => `${e.kind} ${e.name} ${e.kind === 'file' ? e.size : ''}`).sort(),
    ).toEqual(['dir 2024 ', 'file readme.md 4']);
    const inside = await call('locations:browse', { target: { id }, path: '2024' });
    expect(inside).toMatchObject({ ok: true, value: { path: '2024', parent: '' } });
    expect(
      (inside.value as { entries: { name: string }[] }).entries.map((e) => e.name).sort(),
    ).toEqual(['empty', 'plan.txt']);
  });

  it('names a missing export, an unreachable server, and a path that climbs out', async () => {
    const missing = await call('locations:test', { config: nfs('/nope') });
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: expect.stringContaining('Export not found') },
    });
    const port = await closedPort();
    const unreachable = await call('locations:exports', { server: '127.0.0.1', mountPort: port });
    expect(unreachable).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringContaining(`127.0.0.1:${port}`) },
    });
    const climbing = await call('locations:browse', {
      target: { config: nfs('/export', 'projects') },
      path: '../..',
    });
    expect(climbing).toMatchObject({ ok: false, error: { code: 'invalid-name' } });
  });
});
