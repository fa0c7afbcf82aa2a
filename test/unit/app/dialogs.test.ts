import type { BrowserWindow } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// Electron cannot run here: dialog.showOpenDialog is a fake that records its arguments.
const showOpenDialog = vi.fn();
vi.mock('electron', () => ({ dialog: { showOpenDialog } }));

const { desktopDialogs } = await import('../../../src-main/app/dialogs');

beforeEach(() => showOpenDialog.mockReset());

describe('desktopDialogs.pickFolder', () => {
  it('asks for a folder, modal to the window, and answers the chosen path', async () => {
    const window = { isDestroyed: () => false } as unknown as BrowserWindow;
    showOpenDialog.mockResolvedValue({ canceled: false, filePaths: ['/home/ana/Photos'] });
    await expect(desktopDialogs(() => window).pickFolder('Choose the source')).resolves.toBe(
      '/home/ana/Photos',
    );
    expect(showOpenDialog).toHaveBeenCalledWith(window, {
      properties: ['openDirectory', 'createDirectory'],
      title: 'Choose the source',
    });
  });

  it('answers null when cancelled, and works without a window', async () => {
    showOpenDialog.mockResolvedValue({ canceled: true, filePaths: [] });
    await expect(desktopDialogs(() => null).pickFolder()).resolves.toBeNull();
    expect(showOpenDialog).toHaveBeenCalledWith({
      properties: ['openDirectory', 'createDirectory'],
    });
  });
});
