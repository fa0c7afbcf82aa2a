import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/ipc/contract';

/**
 * The application menu: the platform's usual File/Edit/View/Window/Help items, plus commands the
 * renderer carries out (it receives them as `app:menu-command` events): File > New Task, New
 * Location, Import Preset…; View > Refresh, Show Hidden Files; Go > Tasks, Locations, History,
 * Files (Ctrl/Cmd+1..4), Back, Enclosing Folder, Home.
 */
export function buildAppMenu(send: (command: MenuCommand) => void): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'New Task', accelerator: 'CmdOrCtrl+N', click: () => send('new-task') },
        {
          label: 'New Location',
          accelerator: 'CmdOrCtrl+Shift+N',
          click: () => send('new-location'),
        },
        { type: 'separator' },
        { label: 'Import Preset…', accelerator: 'CmdOrCtrl+O', click: () => send('import-preset') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { label: 'Refresh', accelerator: 'F5', click: () => send('refresh') },
        {
          label: 'Show Hidden Files',
          accelerator: 'CmdOrCtrl+Shift+.',
          click: () => send('toggle-hidden'),
        },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: '&Go',
      submenu: [
        { label: 'Tasks', accelerator: 'CmdOrCtrl+1', click: () => send('show-tasks') },
        { label: 'Locations', accelerator: 'CmdOrCtrl+2', click: () => send('show-locations') },
        { label: 'History', accelerator: 'CmdOrCtrl+3', click: () => send('show-history') },
        { label: 'Files', accelerator: 'CmdOrCtrl+4', click: () => send('show-files') },
        { type: 'separator' },
        { label: 'Back', accelerator: 'Alt+Left', click: () => send('go-back') },
        { label: 'Enclosing Folder', accelerator: 'Alt+Up', click: () => send('go-up') },
        { label: 'Home', accelerator: 'Alt+Home', click: () => send('go-home') },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: `DataFerry ${app.getVersion()}`, enabled: false }] },
  ];
  return Menu.buildFromTemplate(template);
}
