import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { goTo, openApp, testConnection } from '../support/e2e-ui';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

/*
 * Test connection names the cause when a location cannot be reached: an SMB server where
 * nothing listens, a local folder that does not exist, a path that is not absolute. Nothing is
 * saved by a failed test. The Add location form is opened with the keyboard here.
 */

let home: string;
let dataDir: string;
let host: WebHostProcess;

test.beforeAll(async () => {
  home = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-errors-')));
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-errors-data-'));
  host = await startWebHostProcess({ HOME: home, DATAFERRY_DATA_DIR: dataDir });
});

test.afterAll(async () => {
  await host?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

/** The Add location form, opened with Ctrl+Shift+N (the menu's New Location). */
async function addLocationByKeyboard(page: Page): Promise<Locator> {
  await openApp(page, host.url);
  await page.keyboard.press('Control+Shift+N');
  const form = page.getByRole('region', { name: 'Add location' });
  await expect(form.getByRole('heading', { name: 'Add location', level: 1 })).toBeVisible();
  return form;
}

test('an SMB server where nothing listens: "Cannot reach the server", naming 127.0.0.1:1', async ({
  page,
}) => {
  const form = await addLocationByKeyboard(page);
  await form.getByRole('radio', { name: 'SMB', exact: true }).check();
  await form.getByRole('textbox', { name: 'Name' }).fill('Nowhere');
  await form.getByRole('textbox', { name: 'Server' }).fill('127.0.0.1');
  await form.getByRole('textbox', { name: 'Port' }).fill('1');
  await form.getByRole('textbox', { name: 'Share', exact: true }).fill('data');
  await form.getByRole('textbox', { name: 'User' }).fill('ana');
  await expect(form.locator('.editor-preview code')).toHaveText('smb://127.0.0.1:1/data');

  const outcome = await testConnection(form);
  await expect(outcome).toHaveAttribute('role', 'alert');
  await expect(outcome.locator('.test-title')).toHaveText('Cannot reach the server');
  await expect(outcome.locator('.test-message')).toContainText('Cannot reach 127.0.0.1:1');
  await expect(outcome).toContainText('Check the server name and port');

  // Nothing was saved by the failed test.
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { name: 'No locations yet' })).toBeVisible();
});

test('a local folder that does not exist: "Not found", naming the path', async ({ page }) => {
  const form = await addLocationByKeyboard(page);
  await form.getByRole('radio', { name: 'Local folder' }).check();
  await form.getByRole('textbox', { name: 'Name' }).fill('Missing');
  const folder = form.getByRole('textbox', { name: 'Folder', exact: true });

  // A relative path is refused before any test, with the focus on the field to fix.
  await folder.fill('relative/photos');
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(folder).toBeFocused();
  await expect(folder).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('Type a full path, starting from the root')).toBeVisible();
  await expect(form.getByTestId('test-outcome')).toHaveCount(0);

  const missing = path.join(home, 'no such folder');
  await folder.fill(missing);
  const outcome = await testConnection(form);
  await expect(outcome).toHaveAttribute('role', 'alert');
  await expect(outcome.locator('.test-title')).toHaveText('Not found');
  await expect(outcome.locator('.test-message')).toContainText(`Not found: ${missing}`);

  // Fixing the path: the outcome says it is stale, and a new test succeeds.
  await folder.fill(home);
  await expect(outcome).toContainText('The settings changed since this test.');
  const ok = await testConnection(form);
  await expect(ok).toContainText('Connection works');
  await goTo(page, 'Locations');
  await expect(page.getByRole('heading', { name: 'No locations yet' })).toBeVisible();
});
