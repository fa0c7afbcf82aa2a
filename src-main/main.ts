import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, Menu, session } from 'electron';
import { buildAppMenu } from './app/menu';
import { registerAppScheme, serveRenderer } from './app/app-protocol';
import { desktopDialogs } from './app/dialogs';
import { serveContractOverIpc } from './app/ipc-main';
import { bringToFront, notifyWhenExecutionsEnd } from './app/notifications';
import { pushEventsToWindow } from './app/push';
import { createDesktopSecretBox } from './app/secrets';
import { showProgressInTaskbar } from './app/taskbar-progress';
import { createMainWindow, preloadPathFrom, rendererEntryUrl } from './app/window';
import { EventBus } from './events/event-bus';
import { createHandlers } from './handlers/create-handlers';
import { startWebHost } from './host/web-host';
import { buildAppInfo } from './services/app-info-service';
import { createAppServices, type AppServices } from './services/app-services';
import { defaultDataDir } from './services/data-dir';

/*
 * Electron lifecycle only: the one place that wires electron objects into the services.
 * `--serve` runs the packaged app as the headless web host instead of opening a window.
 */

const serveMode = process.argv.includes('--serve');
const rendererDir = path.join(__dirname, '..', 'renderer');
const log = { error: (message: string, error: unknown) => console.error(message, error) };

app.enableSandbox();
registerAppScheme();
if (process.env.DATAFERRY_DATA_DIR) app.setPath('userData', defaultDataDir());

if (!serveMode && !app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => {
    // Belt and braces for any webContents, including ones we did not create ourselves.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  void app.whenReady().then(serveMode ? startHeadless : startDesktop);
}

async function startDesktop(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer(rendererDir);

  const dataDir = app.getPath('userData');
  mkdirSync(dataDir, { recursive: true });
  const bus = new EventBus();
  const services = openServices(dataDir, bus);
  let mainWindow: BrowserWindow | null = null;
  const window = (): BrowserWindow | null =>
    mainWindow && !mainWindow.isDestroyed() ? mainWindow : null;
  const contents = (): Electron.WebContents | null => window()?.webContents ?? null;
  const handlers = createHandlers({
    appInfo: buildAppInfo({ version: app.getVersion(), dataDir, shell: 'desktop' }),
    services,
    desktop: desktopDialogs(window),
  });

  serveContractOverIpc(handlers, contents, log);
  pushEventsToWindow(bus, contents);
  showProgressInTaskbar(bus, window);
  notifyWhenExecutionsEnd(bus, window);
  Menu.setApplicationMenu(
    buildAppMenu((command) => {
      // Opening a file chooser needs a user gesture, and a native menu click is not one for the
      // page: this command goes in as script run with userGesture, the others as events.
      const target = contents();
      if (command === 'import-preset' && target) {
        void target.executeJavaScript(
          "window.dispatchEvent(new CustomEvent('dataferry:menu-command', { detail: 'import-preset' }))",
          true,
        );
      } else bus.emit('app:menu-command', { command });
    }),
  );

  const openWindow = async (): Promise<void> => {
    mainWindow = createMainWindow(preloadPathFrom(__dirname));
    mainWindow.on('closed', () => (mainWindow = null));
    await mainWindow.loadURL(rendererEntryUrl());
  };
  app.on('second-instance', () => bringToFront(window()));
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  await openWindow();
}

async function startHeadless(): Promise<void> {
  const dataDir = app.getPath('userData');
  mkdirSync(dataDir, { recursive: true });
  const bus = new EventBus();
  const services = openServices(dataDir, bus);
  const host = await startWebHost({
    handlers: createHandlers({
      appInfo: buildAppInfo({ version: app.getVersion(), dataDir, shell: 'web' }),
      services,
    }),
    bus,
    rendererDir,
    log,
  });
  process.stdout.write(`DataFerry web host on 127.0.0.1 only. Open:\n${host.url}\n`);
}

/** The services over the history store; running executions are cancelled cleanly on quit. */
function openServices(dataDir: string, bus: EventBus): AppServices {
  const services = createAppServices({
    dataDir,
    secretBox: createDesktopSecretBox(dataDir),
    bus,
    schedule: true,
    log: (message) => console.log(message),
  });
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    void services.close().finally(() => app.quit());
  });
  return services;
}
