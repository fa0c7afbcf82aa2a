import { mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { filesUnder, type TreeFile } from '../support/e2e-tree';
import {
  addLocalLocation,
  executionStatus,
  goTo,
  openApp,
  statValue,
  taskCard,
} from '../support/e2e-ui';
import { randomFile } from '../support/file-hash';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

/*
 * Cancelling a long execution from the UI: a task with a bandwidth limit (set in the editor's
 * "How fast" card) and one file at a time, cancelled while it transfers. On disk, every file
 * under a final name must be whole and equal to its source, and no temporary may be left.
 */

const MiB = 1024 * 1024;
const FILES = 8;
const TASK = 'Throttled copy';

let home: string;
let dataDir: string;
let host: WebHostProcess;
let sources: TreeFile[];

test.beforeAll(async () => {
  home = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-cancel-')));
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-cancel-data-'));
  await mkdir(path.join(home, 'big'));
  await mkdir(path.join(home, 'copy'));
  for (let i = 1; i <= FILES; i++) {
    await randomFile(path.join(home, 'big', `part-${i}.bin`), 4 * MiB);
  }
  sources = await filesUnder(path.join(home, 'big'));
  host = await startWebHostProcess({ HOME: home, DATAFERRY_DATA_DIR: dataDir });
});

test.afterAll(async () => {
  await host?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await page.screenshot({ path: testInfo.outputPath('failure.png'), fullPage: true });
    await testInfo.attach('web host output', { body: host.output(), contentType: 'text/plain' });
  }
});

test('a throttled run cancelled while transferring leaves only whole files', async ({ page }) => {
  test.setTimeout(60_000);
  await openApp(page, host.url);
  await addLocalLocation(page, 'Big files', path.join(home, 'big'), FILES);
  await addLocalLocation(page, 'Big copy', path.join(home, 'copy'), 0);

  // The task, with the keyboard shortcut for New task.
  await goTo(page, 'Tasks');
  await page.keyboard.press('Control+n');
  await expect(page.getByRole('heading', { name: 'New task', level: 1 })).toBeVisible();
  await page
    .getByRole('combobox', { name: 'Source location' })
    .selectOption({ label: 'Big files (Local)' });
  await page
    .getByRole('combobox', { name: 'Destination location' })
    .selectOption({ label: 'Big copy (Local)' });
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(TASK);

  const speed = page.getByRole('region', { name: 'How fast' });
  const limit = speed.getByRole('radiogroup', { name: 'Bandwidth limit' });
  await limit.getByRole('radio', { name: 'Limit to' }).check();
  await limit.getByRole('spinbutton', { name: 'Bandwidth limit in MB/s' }).fill('1');
  await expect(speed).toContainText('= 1,000,000 bytes per second');
  await speed.getByRole('spinbutton', { name: 'Files at once' }).fill('1');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(taskCard(page, TASK)).toBeVisible();

  await taskCard(page, TASK)
    .getByRole('button', { name: `Run ${TASK}` })
    .click();
  await expect(executionStatus(page)).toHaveAttribute('data-status', 'TRANSFERRING', {
    timeout: 15_000,
  });
  const transferringSince = Date.now();
  // One file at a time at 1 MB/s: a file of 4 MiB takes seconds, so the first one is whole
  // while the next is only partly written when Cancel is pressed.
  await expect.poll(() => statValue(page, 'files'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  const firstFileMs = Date.now() - transferringSince;
  expect(firstFileMs, 'the bandwidth limit slows the first 4 MiB down').toBeGreaterThan(2_500);
  await expect(
    page.locator('[data-testid="execution-file-row"][data-state="transferring"]'),
  ).toHaveCount(1);
  await expect(page.getByTestId('stat-throughput')).toBeVisible();
  // The file in progress is being written under a temporary name, right now.
  await expect
    .poll(async () =>
      (await readdir(path.join(home, 'copy'))).some((name) => name.startsWith('.dataferry-')),
    )
    .toBe(true);

  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(executionStatus(page)).toHaveAttribute('data-status', 'CANCELLED', {
    timeout: 15_000,
  });
  await expect(executionStatus(page)).toHaveText('Cancelled');
  await expect(page.locator('[data-phase="TRANSFERRING"]')).toHaveAttribute(
    'data-status',
    'CANCELLED',
  );
  await expect(page.locator('[data-phase="VERIFYING"]')).not.toHaveAttribute(
    'data-status',
    'SUCCESS',
  );
  const transferred = await statValue(page, 'files');
  expect(transferred).toBeGreaterThanOrEqual(1);
  expect(transferred).toBeLessThan(FILES);
  await expect(page.getByRole('button', { name: 'Run again' })).toBeVisible();

  // On disk: whole copies only (each equal to its source), and no temporaries.
  const copies = await filesUnder(path.join(home, 'copy'));
  expect(copies.filter((f) => f.rel.includes('.dataferry-'))).toEqual([]);
  expect(copies.length).toBeGreaterThanOrEqual(transferred);
  expect(copies.length).toBeLessThan(FILES);
  for (const copy of copies) {
    expect(copy, `${copy.rel} is whole and equal to its source`).toEqual(
      sources.find((s) => s.rel === copy.rel),
    );
  }

  await goTo(page, 'History');
  await expect(page.getByTestId('history-row')).toHaveAttribute('data-status', 'CANCELLED');
});
