import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/ipc/contract';

/**
 * The application menu: the platform's usual File/Edit/View/Window/Help items, plus Go commands
 * that the renderer carries out (it receives them as `app:menu-command` events).
 */
export function buildAppMenu(send: (command: MenuCommand) => void): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { label: '&File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
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
