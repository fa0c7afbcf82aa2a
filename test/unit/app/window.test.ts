import { beforeEach, describe, expect, it, vi } from 'vitest';

// Electron cannot run here, so the window factory is tested against a recording fake of
// BrowserWindow: what matters is the options it passes and the handlers it installs.
const created: {
  options: Record<string, unknown>;
  handlers: Map<string, (...args: unknown[]) => void>;
  openHandler?: (d: { url: string }) => unknown;
}[] = [];
const openExternal = vi.fn();

vi.mock('electron', () => {
  class FakeBrowserWindow {
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const record: (typeof created)[number] = { options, handlers: new Map() };
      created.push(record);
      this.webContents = {
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (record.openHandler = fn),
        on: (event: string, fn: (...args: unknown[]) => void) => record.handlers.set(event, fn),
      };
    }
    once(): void {}
  }
  return {
    BrowserWindow: FakeBrowserWindow,
    shell: { openExternal },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  };
});

const { createMainWindow } = await import('../../../src-main/app/window');

beforeEach(() => {
  created.length = 0;
  openExternal.mockReset();
});

describe('createMainWindow', () => {
  it('locks the renderer down', () => {
    createMainWindow('/app/out/preload/preload.js');
    const prefs = created[0]?.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(created[0]?.options).toMatchObject({ name: 'main', windowStatePersistence: true });
  });

  it('refuses new windows, opening only https links in the OS browser', () => {
    createMainWindow('/p.js');
    const open = created[0]?.openHandler;
    expect(open?.({ url: 'https://docs.example/' })).toEqual({ action: 'deny' });
    expect(open?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledWith('https://docs.example/');
  });

  it('refuses navigation away from the app and webview attachment', () => {
    createMainWindow('/p.js');
    const handlers = created[0]?.handlers;
    const away = { preventDefault: vi.fn() };
    handlers?.get('will-navigate')?.(away, 'http://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const inside = { preventDefault: vi.fn() };
    handlers?.get('will-navigate')?.(inside, 'app://dataferry/index.html');
    expect(inside.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    handlers?.get('will-attach-webview')?.(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('refuses redirects away from the app, and opens only https pages it navigated to outside', () => {
    createMainWindow('/p.js');
    const handlers = created[0]?.handlers;
    const redirect = { preventDefault: vi.fn() };
    handlers?.get('will-redirect')?.(redirect, 'https://evil.example/');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const ownRedirect = { preventDefault: vi.fn() };
    handlers?.get('will-redirect')?.(ownRedirect, 'app://dataferry/index.html');
    expect(ownRedirect.preventDefault).not.toHaveBeenCalled();
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'smb://nas/share',
      'not a url',
    ]) {
      const away = { preventDefault: vi.fn() };
      handlers?.get('will-navigate')?.(away, url);
      expect(away.preventDefault, url).toHaveBeenCalled();
    }
    expect(openExternal).not.toHaveBeenCalled();
    handlers?.get('will-navigate')?.({ preventDefault: vi.fn() }, 'https://docs.example/');
    expect(openExternal).toHaveBeenCalledWith('https://docs.example/');
  });
});
