import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { makeFixtureTree } from '../support/fixture-tree';

// Launches the real desktop app where the Electron binary is installed. On machines where it
// cannot be downloaded (these CI machines: npm ci runs with ELECTRON_SKIP_BINARY_DOWNLOAD=1),
// it reports a skip with the reason instead of pretending to pass.
const repo = path.resolve(__dirname, '..', '..');

function electronBinary(): string | null {
  const dir = path.join(repo, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

test('the desktop app opens a locked-down window on its tasks and browses local folders', async () => {
  const binary = electronBinary();
  // Skipped where the Electron binary is absent (ELECTRON_SKIP_BINARY_DOWNLOAD); see issue 2's note.
  test.skip(
    binary === null,
    'Electron binary not installed (node_modules/electron/dist missing): desktop smoke test skipped',
  );
  const tree = await makeFixtureTree();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-electron-'));
  const app = await electron.launch({
    executablePath: binary as string,
    args: [
      path.join(repo, 'out', 'main', 'main.js'),
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ],
    env: { ...process.env, HOME: tree.root, DATAFERRY_DATA_DIR: dataDir } as Record<string, string>,
  });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('heading', { name: 'Tasks', level: 1 })).toBeVisible();
    await win
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'Files' })
      .click();
    await expect(win.locator('[data-testid="file-row"][data-name="notes.txt"]')).toHaveCount(1);
    await expect(win.getByTestId('app-meta')).toContainText('desktop');
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    const apiKeys = await win.evaluate(() =>
      Object.keys((window as unknown as { api: object }).api).sort(),
    );
    expect(apiKeys).toContain('fs:list');
    expect(apiKeys).toContain('onExecutionProgress');
    expect(apiKeys).toContain('dialog:pick-folder');
    expect(apiKeys.every((k) => /^[a-z]+:[a-z-]+$|^on[A-Z]|^pathForFile$/.test(k))).toBe(true);
    // Sandboxed, isolated, no Node: nothing of Node is visible in the page, new windows are refused.
    const seen = await win.evaluate(() => ({
      process: typeof (globalThis as { process?: unknown }).process,
      opened: window.open('https://example.invalid/') === null,
    }));
    expect(seen).toEqual({ process: 'undefined', opened: true });
    expect(app.windows()).toHaveLength(1);
  } finally {
    await app.close();
    await tree.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
});
