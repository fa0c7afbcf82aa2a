import path from 'node:path';
import { BrowserWindow, shell } from 'electron';
import { APP_ORIGIN, isAppUrl } from './app-protocol';

/**
 * Creates the main window, locked down: isolated context, sandboxed renderer, no Node, no
 * webview; navigation away from the app and new windows are refused (https links open in the
 * user's browser instead). Size, position and maximized state are remembered by Electron's
 * window state persistence under the window's name.
 */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    name: 'main',
    windowStatePersistence: true,
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'DataFerry',
    backgroundColor: '#1e1f24',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });

  window.once('ready-to-show', () => window.show());
  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    openExternallyIfSafe(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) {
      event.preventDefault();
      openExternallyIfSafe(url);
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  return window;
}

/** The URL the window loads: electron-vite's dev server in development, else our own scheme. */
export function rendererEntryUrl(): string {
  return process.env.ELECTRON_RENDERER_URL ?? `${APP_ORIGIN}/index.html`;
}

/** The preload beside the built main file (out/main -> out/preload). */
export function preloadPathFrom(mainDir: string): string {
  return path.join(mainDir, '..', 'preload', 'preload.js');
}

function openExternallyIfSafe(url: string): void {
  try {
    if (new URL(url).protocol === 'https:') void shell.openExternal(url);
  } catch {
    // Not a URL: nothing to open.
  }
}
