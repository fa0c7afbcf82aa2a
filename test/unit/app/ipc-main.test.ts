import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../../src-main/handlers/dispatch';

// ipcMain is faked: the test is about which senders main answers, not about Electron itself.
const registered = new Map<string, (event: unknown, request: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (e: unknown, r: unknown) => Promise<unknown>) =>
      registered.set(channel, fn),
  },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
}));

const { serveContractOverIpc } = await import('../../../src-main/app/ipc-main');
const { CHANNELS } = await import('../../../src-shared/ipc/contract');
const { isAppUrl } = await import('../../../src-main/app/app-protocol');

const mainFrame = { url: 'app://dataferry/index.html' };
const ours = { mainFrame };
const handlers = {
  'app:info': () => ({ name: 'DataFerry' }),
  'fs:list': () => ({ path: '/', parent: null, entries: [], skipped: 0 }),
} as unknown as Handlers;
serveContractOverIpc(handlers, () => ours as never, { error: () => undefined });

describe('serveContractOverIpc', () => {
  it('registers exactly the contract channels', () => {
    expect([...registered.keys()].sort()).toEqual([...CHANNELS].sort());
    expect(registered.has('locations:create')).toBe(true);
  });

  it('answers our window main frame', async () => {
    const reply = await registered.get('app:info')?.({ sender: ours, senderFrame: mainFrame }, {});
    expect(reply).toEqual({ ok: true, value: { name: 'DataFerry' } });
  });

  it('validates requests from our window too', async () => {
    const reply = await registered.get('fs:list')?.(
      { sender: ours, senderFrame: mainFrame },
      { path: 1 },
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it.each([
    ['another webContents', { sender: { mainFrame }, senderFrame: mainFrame }],
    ['a subframe of our window', { sender: ours, senderFrame: { url: 'app://dataferry/x.html' } }],
    [
      'our frame navigated elsewhere',
      { sender: { mainFrame: { url: 'https://evil.example/' } }, senderFrame: null },
    ],
  ])('refuses %s with permission-denied', async (_what, event) => {
    const reply = await registered.get('app:info')?.(event, {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'permission-denied' } });
  });

  it('refuses a main frame that left the app origin', async () => {
    const strayFrame = { url: 'https://evil.example/' };
    const stray = { mainFrame: strayFrame };
    serveContractOverIpc(handlers, () => stray as never, { error: () => undefined });
    const reply = await registered.get('app:info')?.(
      { sender: stray, senderFrame: strayFrame },
      {},
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'permission-denied' } });
  });
});

describe('isAppUrl', () => {
  it('knows our own scheme and host only', () => {
    expect(isAppUrl('app://dataferry/index.html')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///app/index.html')).toBe(false);
    expect(isAppUrl('https://dataferry/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});
