import { useEffect, useState, type ReactElement } from 'react';
import type { MenuCommand } from '../src-shared/ipc/contract';
import { assertNever } from '../src-shared/assert-never';
import { BrowseView } from './features/browse/browse-view';
import { DropZone } from './features/browse/drop-zone';
import { on, shellKind } from './lib/api-client';
import { useAppStore } from './stores/app-store';
import { useBrowserStore } from './stores/browser-store';

export function App(): ReactElement {
  const info = useAppStore((s) => s.info);
  const appError = useAppStore((s) => s.error);
  const connection = useAppStore((s) => s.connection);
  const currentPath = useBrowserStore((s) => s.path);
  const open = useBrowserStore((s) => s.open);

  useEffect(() => {
    void useAppStore
      .getState()
      .start()
      .then((started) => started && open(started.homeDir));
  }, [open]);

  useEffect(
    () => on('app:menu-command', ({ command }) => runCommand(command, info?.homeDir)),
    [info],
  );
  useKeyboardShortcuts(info?.homeDir);

  return (
    <DropZone>
      <div className="app">
        <header className="app-header">
          <span className="brand">
            <img src="./logo.svg" alt="" width={22} height={22} />
            DataFerry
          </span>
          {info && (
            <span className="app-meta" data-testid="app-meta">
              {info.version} · {info.platform}/{info.arch} ·{' '}
              {info.shell === 'web' ? 'web host' : 'desktop'}
            </span>
          )}
        </header>
        {connection === 'disconnected' && (
          <div className="banner" role="status">
            Lost the connection to the DataFerry host. Reconnecting…
          </div>
        )}
        {appError && (
          <div className="banner banner-error" role="alert">
            {appError.message}
          </div>
        )}
        <div className="app-body">
          <nav className="sidebar" aria-label="Places">
            <h2>Places</h2>
            {info && (
              <ul>
                <Place label="Home" path={info.homeDir} current={currentPath} onOpen={open} />
                <Place
                  label="Computer"
                  path={rootOf(info.homeDir)}
                  current={currentPath}
                  onOpen={open}
                />
                <Place
                  label="DataFerry data"
                  path={info.dataDir}
                  current={currentPath}
                  onOpen={open}
                />
              </ul>
            )}
          </nav>
          <main className="content">
            <BrowseView />
          </main>
        </div>
      </div>
    </DropZone>
  );
}

function Place(props: {
  label: string;
  path: string;
  current: string | null;
  onOpen(path: string): Promise<void>;
}): ReactElement {
  return (
    <li>
      <button
        type="button"
        className={props.current === props.path ? 'place active' : 'place'}
        title={props.path}
        onClick={() => void props.onOpen(props.path)}
      >
        {props.label}
      </button>
    </li>
  );
}

function rootOf(path: string): string {
  const drive = /^[A-Za-z]:\\/.exec(path);
  return drive ? drive[0] : '/';
}

function runCommand(command: MenuCommand, home: string | undefined): void {
  const browser = useBrowserStore.getState();
  switch (command) {
    case 'go-home':
      if (home) void browser.open(home);
      return;
    case 'go-up':
      void browser.goUp();
      return;
    case 'go-back':
      void browser.goBack();
      return;
    case 'refresh':
      void browser.refresh();
      return;
    case 'toggle-hidden':
      void browser.toggleHidden();
      return;
    default:
      assertNever(command, 'menu command');
  }
}

/** The menu's accelerators, for the web host where there is no application menu. */
function useKeyboardShortcuts(home: string | undefined): void {
  const [isWeb] = useState(() => shellKind() === 'web');
  useEffect(() => {
    if (!isWeb) return undefined;
    const onKey = (event: KeyboardEvent): void => {
      const command: MenuCommand | null =
        event.key === 'F5'
          ? 'refresh'
          : event.altKey && event.key === 'ArrowLeft'
            ? 'go-back'
            : event.altKey && event.key === 'ArrowUp'
              ? 'go-up'
              : event.altKey && event.key === 'Home'
                ? 'go-home'
                : null;
      if (command) {
        event.preventDefault();
        runCommand(command, home);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [home, isWeb]);
}
