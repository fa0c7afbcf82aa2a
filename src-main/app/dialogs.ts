import { dialog, type BrowserWindow } from 'electron';
import type { DesktopAbilities } from '../handlers/create-handlers';

/**
 * The OS's own dialogs for the handlers: the folder picker is modal to the window (when there is
 * one) and may create a folder. Resolves with the chosen folder, or null when cancelled.
 */
export function desktopDialogs(window: () => BrowserWindow | null): DesktopAbilities {
  return {
    pickFolder: async (title) => {
      const options: Electron.OpenDialogOptions = {
        properties: ['openDirectory', 'createDirectory'],
        ...(title === undefined ? {} : { title }),
      };
      const parent = window();
      const result =
        parent && !parent.isDestroyed()
          ? await dialog.showOpenDialog(parent, options)
          : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  };
}
