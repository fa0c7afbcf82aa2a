import { useEffect, useState, type ReactElement } from 'react';
import type { MenuCommand } from '../src-shared/ipc/contract';
import { assertNever } from '../src-shared/assert-never';
import { BrowseView } from './features/browse/browse-view';
import { DropZone } from './features/browse/drop-zone';
import { ExecutionView } from './features/executions/execution-view';
import { HistoryView } from './features/history/history-view';
import { LocationBrowserView } from './features/locations/location-browser-view';
import { LocationEditor } from './features/locations/location-editor';
import { BROWSER_COMMAND_EVENT } from './features/locations/use-browser-keys';
import { LocationsView } from './features/locations/locations-view';
import { TaskEditor } from './features/tasks/task-editor';
import { TasksView } from './features/tasks/tasks-view';
import { on, shellKind } from './lib/api-client';
import { useAppStore } from './stores/app-store';
import { useBrowserStore } from './stores/browser-store';
import { startExecutionsStore } from './stores/executions-store';
import { navigate, useNavStore, type Route, type View } from './stores/nav-store';
import { useThemeStore, type ThemeChoice } from './stores/theme-store';

/** The sidebar's sections; each lists the views that belong to it (for the highlight). */
const SECTIONS: { label: string; route: Route; views: View[]; shortcut: string }[] = [
  {
    label: 'Tasks',
    route: { view: 'tasks' },
    views: ['tasks', 'task-editor', 'execution'],
    shortcut: '1',
  },
  {
    label: 'Locations',
    route: { view: 'locations' },
    views: ['locations', 'location-editor', 'location-browser'],
    shortcut: '2',
  },
  { label: 'History', route: { view: 'history' }, views: ['history'], shortcut: '3' },
  { label: 'Files', route: { view: 'files' }, views: ['files'], shortcut: '4' },
];

export function App(): ReactElement {
  const info = useAppStore((s) => s.info);
  const appError = useAppStore((s) => s.error);
  const connection = useAppStore((s) => s.connection);
  const route = useNavStore((s) => s.route);
  const open = useBrowserStore((s) => s.open);

  useEffect(() => {
    // From the start, so live counters and throughput samples cover the whole session.
    startExecutionsStore();
    void useAppStore
      .getState()
      .start()
      .then((started) => started && open(started.homeDir));
  }, [open]);

  useEffect(
    () => on('app:menu-command', ({ command }) => runCommand(command, info?.homeDir)),
    [info],
  );
  useEffect(() => {
    // The desktop menu's Import Preset… arrives this way, with a user gesture (see main.ts).
    const onMenu = (event: Event): void => {
      const command = (event as CustomEvent<unknown>).detail;
      if (command === 'import-preset') runCommand(command, info?.homeDir);
    };
    window.addEventListener('dataferry:menu-command', onMenu);
    return () => window.removeEventListener('dataferry:menu-command', onMenu);
  }, [info]);
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
          <ThemePicker />
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
          <nav className="sidebar" aria-label="Sections">
            <ul>
              {SECTIONS.map((section) => {
                const current = section.views.includes(route.view);
                return (
                  <li key={section.label}>
                    <button
                      type="button"
                      className={current ? 'place active' : 'place'}
                      aria-current={current ? 'page' : undefined}
                      title={`${section.label} (${shortcutLabel(section.shortcut)})`}
                      onClick={() => navigate(section.route)}
                    >
                      {section.label}
                    </button>
                  </li>
                );
              })}
            </ul>
            {route.view === 'files' && info && (
              <>
                <h2>Places</h2>
                <ul aria-label="Places">
                  <Place label="Home" path={info.homeDir} />
                  <Place label="Computer" path={rootOf(info.homeDir)} />
                  <Place label="DataFerry data" path={info.dataDir} />
                </ul>
              </>
            )}
          </nav>
          <main className="content">
            <RouteView route={route} />
          </main>
        </div>
      </div>
    </DropZone>
  );
}

function RouteView({ route }: { route: Route }): ReactElement {
  switch (route.view) {
    case 'tasks':
      return <TasksView />;
    case 'task-editor':
      return <TaskEditor key={route.taskId ?? 'new'} route={route} />;
    case 'locations':
      return <LocationsView />;
    case 'location-editor':
      return <LocationEditor key={route.locationId ?? 'new'} locationId={route.locationId} />;
    case 'location-browser':
      return <LocationBrowserView key={route.locationId} locationId={route.locationId} />;
    case 'execution':
      return <ExecutionView key={route.executionId} executionId={route.executionId} />;
    case 'history':
      return <HistoryView />;
    case 'files':
      return <BrowseView />;
    default:
      return assertNever(route, 'route');
  }
}

function Place(props: { label: string; path: string }): ReactElement {
  const current = useBrowserStore((s) => s.path);
  const open = useBrowserStore((s) => s.open);
  return (
    <li>
      <button
        type="button"
        className={current === props.path ? 'place active' : 'place'}
        title={props.path}
        onClick={() => void open(props.path)}
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

function ThemePicker(): ReactElement {
  const choice = useThemeStore((s) => s.choice);
  const choose = useThemeStore((s) => s.choose);
  return (
    <label className="theme-picker">
      <span>Theme</span>
      <select
        aria-label="Theme"
        value={choice}
        onChange={(event) => choose(event.target.value as ThemeChoice)}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
function shortcutLabel(key: string): string {
  return `${isMac ? '⌘' : 'Ctrl+'}${key}`;
}

function runCommand(command: MenuCommand, home: string | undefined): void {
  const browser = useBrowserStore.getState();
  // The location browser has its own folder state: hand it the browsing commands.
  if (
    useNavStore.getState().route.view === 'location-browser' &&
    (command === 'go-up' || command === 'go-back' || command === 'refresh')
  ) {
    window.dispatchEvent(new CustomEvent(BROWSER_COMMAND_EVENT, { detail: command }));
    return;
  }
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
    case 'new-task':
      navigate({ view: 'task-editor', taskId: null });
      return;
    case 'new-location':
      navigate({ view: 'location-editor', locationId: null });
      return;
    case 'import-preset':
      navigate({ view: 'tasks' });
      window.dispatchEvent(new CustomEvent('dataferry:import-preset'));
      return;
    case 'show-tasks':
      navigate({ view: 'tasks' });
      return;
    case 'show-locations':
      navigate({ view: 'locations' });
      return;
    case 'show-history':
      navigate({ view: 'history' });
      return;
    case 'show-files':
      navigate({ view: 'files' });
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
      const command = commandForKey(event);
      if (command) {
        event.preventDefault();
        runCommand(command, home);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [home, isWeb]);
}

const SECTION_KEYS: Record<string, MenuCommand> = {
  '1': 'show-tasks',
  '2': 'show-locations',
  '3': 'show-history',
  '4': 'show-files',
};

function commandForKey(event: KeyboardEvent): MenuCommand | null {
  const mod = event.ctrlKey || event.metaKey;
  if (mod && !event.shiftKey && !event.altKey) {
    if (event.key === 'n') return 'new-task';
    if (event.key === 'o') return 'import-preset';
    return SECTION_KEYS[event.key] ?? null;
  }
  if (mod && event.shiftKey && event.key.toLowerCase() === 'n') return 'new-location';
  // The location browser handles these keys itself (use-browser-keys.ts).
  if (useNavStore.getState().route.view !== 'files') return null;
  if (event.key === 'F5') return 'refresh';
  if (event.altKey && event.key === 'ArrowLeft') return 'go-back';
  if (event.altKey && event.key === 'ArrowUp') return 'go-up';
  if (event.altKey && event.key === 'Home') return 'go-home';
  return null;
}
