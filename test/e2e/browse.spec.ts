import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { makeFixtureTree, type FixtureTree } from '../support/fixture-tree';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

// The renderer in Debian's Chromium against the real web host process (`node out/main/serve.js`).
// HOME points at a fixture folder, so the browser opens right there.

let tree: FixtureTree;
let dataDir: string;
let host: WebHostProcess;

test.beforeAll(async () => {
  tree = await makeFixtureTree();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-data-'));
  host = await startWebHostProcess({ HOME: tree.root, DATAFERRY_DATA_DIR: dataDir });
});

test.afterAll(async () => {
  await host?.stop();
  await tree?.remove();
  await rm(dataDir, { recursive: true, force: true });
});

const row = (page: Page, name: string) =>
  page.locator(`[data-testid="file-row"][data-name="${name}"]`);

async function openApp(page: Page): Promise<void> {
  await page.goto(host.url);
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name: 'Files' })
    .click();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText(
    path.basename(tree.root),
  );
}

test('lists a folder with the right names, kinds and sizes', async ({ page }, testInfo) => {
  await openApp(page);
  await expect(page).toHaveURL(`${host.origin}/`); // the token left the address bar
  await expect(page.getByTestId('app-meta')).toContainText('web host');

  const expected: [string, string, string, number][] = [
    ['locked', 'Folder', '—', 0],
    ['projects', 'Folder', '—', 0],
    ['empty.dat', 'DAT file', '0 B', 0],
    ['notes.txt', 'TXT file', '1.2 KiB', 1234],
    ['report with spaces.pdf', 'PDF file', '2.0 MiB', 2 * 1024 * 1024 + 17],
    ['Ünïcødé ファイル.bin', 'BIN file', '4.9 KiB', 5000],
  ];
  await expect(page.getByTestId('file-row')).toHaveCount(expected.length);
  const names = await page
    .getByTestId('file-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
  expect(names).toEqual(expected.map(([name]) => name));
  for (const [name, kind, size, bytes] of expected) {
    await expect(row(page, name).locator('.cell-kind')).toHaveText(kind);
    await expect(row(page, name).locator('.cell-size')).toHaveText(size);
    await expect(row(page, name).locator('.cell-size')).toHaveAttribute(
      'data-bytes',
      String(bytes),
    );
  }
  await expect(row(page, '.hidden')).toHaveCount(0);
  await expect(page.getByTestId('status-line')).toContainText('6 items: 2 folders, 4 files');

  await page.screenshot({ path: testInfo.outputPath('browse.png') });
  await page.screenshot({ path: path.join('test-results', 'screenshots', 'browse.png') });
});

test('shows hidden files on request', async ({ page }) => {
  await openApp(page);
  await page.getByLabel('Hidden files').check();
  await expect(row(page, '.hidden')).toHaveCount(1);
  await expect(row(page, '.hidden').locator('.cell-size')).toHaveText('6 B');
});

test('navigates into folders, up, back and by breadcrumb', async ({ page }) => {
  await openApp(page);
  await row(page, 'projects').dblclick();
  await expect(page.locator('[aria-current="location"]')).toHaveText('projects');
  await expect(page.getByTestId('file-row')).toHaveCount(1);
  await expect(row(page, 'plan.md').locator('.cell-size')).toHaveText('7 B');

  await page.getByRole('button', { name: 'Up' }).click();
  await expect(page.locator('[aria-current="location"]')).toHaveText(path.basename(tree.root));
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.locator('[aria-current="location"]')).toHaveText('projects');

  await page.getByRole('button', { name: path.basename(tree.root), exact: true }).click();
  await expect(row(page, 'notes.txt')).toHaveCount(1);

  // Keyboard: select the second row (projects) and press Enter.
  await page.getByTestId('file-row').first().click();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.locator('[aria-current="location"]')).toHaveText('projects');
  await page.keyboard.press('Backspace');
  await expect(page.locator('[aria-current="location"]')).toHaveText(path.basename(tree.root));
});

test('says clearly when a folder cannot be read, and recovers', async ({ page }, testInfo) => {
  await openApp(page);
  await row(page, 'locked').dblclick();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(`Permission denied: ${tree.locked} (read folder)`);
  await expect(alert).toContainText('not allowed to read this folder');
  await page.screenshot({ path: testInfo.outputPath('permission-denied.png') });
  await page.screenshot({
    path: path.join('test-results', 'screenshots', 'permission-denied.png'),
  });
  await alert.getByRole('button', { name: 'Go up' }).click();
  await expect(row(page, 'notes.txt')).toHaveCount(1);
});

test('says clearly when a typed folder does not exist', async ({ page }) => {
  await openApp(page);
  const missing = path.join(tree.root, 'no such folder');
  await page.getByRole('textbox', { name: 'Folder path' }).fill(missing);
  await page.getByRole('textbox', { name: 'Folder path' }).press('Enter');
  await expect(page.getByRole('alert')).toContainText(`Not found: ${missing} (read folder)`);
  await page.getByRole('textbox', { name: 'Folder path' }).fill('relative/path');
  await page.getByRole('textbox', { name: 'Folder path' }).press('Enter');
  await expect(page.getByRole('alert')).toContainText('Not an absolute path: relative/path');
});

test('explains that a web browser cannot take dropped OS files', async ({ page }) => {
  await openApp(page);
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['x'], 'folder-from-desktop'));
    return transfer;
  });
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByRole('alert')).toContainText(
    'does not tell web pages where dropped files are',
  );
  await expect(row(page, 'notes.txt')).toHaveCount(1);
});

test('without the token: 401 and no WebSocket', async ({ page }) => {
  const response = await page.goto(`${host.origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('needs the access token');
  const outcome = await page.evaluate(
    (wsUrl) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(wsUrl);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      }),
    `ws://127.0.0.1:${host.port}/api`,
  );
  expect(outcome).toBe('refused');
});
