import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { layoutHealth } from '../support/e2e-s3-layout';
import { makeSourceTree, type SourceTree } from '../support/e2e-s3-tree';
import {
  addLocalLocation,
  expectExecutionStatus,
  fillNewTask,
  fillObjectStorageForm,
  openSection,
  saveAndRun,
  saveLocation,
  startAddLocation,
  testConnection,
} from '../support/e2e-s3-ui';
import { S3_TEST_CREDENTIALS, startS3Server, type RunningS3Server } from '../support/s3-servers';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

// Every main screen with real data, in the light and the dark theme, saved as
// test-results/screenshots/<screen>-<theme>.png and attached to the report. Each shot also
// checks what would show a broken layout: no sideways scrolling of the page or of a pane, the
// screen's heading in view, the theme's background, and no text that can hardly be read.
//
// One page walks through the app in order (serial), as a user would: first run, locations,
// a task, runs that succeed, fail and are still running, then the history and the task list.

const SHOTS_DIR = path.join('test-results', 'screenshots');
const THEMES = ['light', 'dark'] as const;

let host: WebHostProcess;
let server: RunningS3Server;
let tree: SourceTree;
let work: string;
let page: Page;

test.describe.configure({ mode: 'serial' });

/** A port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  [server, tree, work] = await Promise.all([
    startS3Server('fauxqs'),
    makeSourceTree('dataferry-shots-home-'),
    mkdtemp(path.join(os.tmpdir(), 'dataferry-shots-')),
  ]);
  INCLUDED = [...tree.hashes.keys()].filter((p) => /^(docs|data)\//.test(p)).length;
  await server.createBucket('media-archive');
  await server.createBucket('team-backups');
  // A source with a file nobody may read (the web host runs without root's override): the
  // run that copies it ends in ERROR with that file failed.
  const failing = path.join(work, 'failing');
  await mkdir(path.join(failing, 'reports'), { recursive: true });
  for (let i = 1; i <= 5; i++) {
    await writeFile(path.join(failing, 'reports', `week-${i}.csv`), 'x'.repeat(1000 * i));
  }
  await writeFile(path.join(failing, 'reports', 'locked.xlsx'), 'secret numbers');
  await chmod(path.join(failing, 'reports', 'locked.xlsx'), 0o000);
  // A source large enough to keep a bandwidth-limited run busy for the whole walk.
  const large = path.join(work, 'large');
  await mkdir(large, { recursive: true });
  for (const name of ['camera-a.mov', 'camera-b.mov', 'drone.mp4']) {
    await writeFile(path.join(large, name), Buffer.alloc(2 * 1024 * 1024, 1));
  }
  host = await startWebHostProcess({
    HOME: tree.root,
    DATAFERRY_DATA_DIR: path.join(work, 'data'),
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(host.url);
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
  await server?.stop();
  await tree?.remove();
  if (work) {
    await chmod(path.join(work, 'failing', 'reports', 'locked.xlsx'), 0o600).catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
});

/**
 * Shoots the window in both themes (chosen with the header's Theme select), after checking the
 * layout's health; `heading` is what proves the right screen is shown.
 */
async function shoot(screen: string, heading: Locator): Promise<void> {
  const testInfo = test.info();
  for (const theme of THEMES) {
    await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    // The select keeps the focus otherwise, and its ring would be in every picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // Colours fade for a moment after the switch (CSS transitions): measure the settled page.
    // Only colour transitions count: a running progress bar's width moves all the time.
    await page.waitForFunction(() =>
      document
        .getAnimations()
        .every(
          (a) =>
            !(a instanceof CSSTransition) || !/color|background|border/.test(a.transitionProperty),
        ),
    );
    await expect(heading).toBeInViewport();
    const file = path.join(SHOTS_DIR, `${screen}-${theme}.png`);
    await page.screenshot({ path: file });
    await testInfo.attach(`${screen}-${theme}`, { path: file, contentType: 'image/png' });
    const health = await layoutHealth(page);
    const where = `${screen}-${theme}`;
    expect.soft(health.pageOverflowX, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(0);
    expect.soft(health.scrollersX, `${where}: horizontal scrollbars`).toEqual([]);
    if (theme === 'dark') expect.soft(health.bodyLuminance, `${where}: body`).toBeLessThan(0.05);
    else expect.soft(health.bodyLuminance, `${where}: body`).toBeGreaterThan(0.8);
    expect.soft(health.lowContrast, `${where}: text below 3:1`).toEqual([]);
  }
}

/** The source files the task editor's include filters (/docs, /data) let through. */
let INCLUDED = 0;

const h1 = (name: string | RegExp): Locator => page.getByRole('heading', { level: 1, name });

test('tasks list on first use', async () => {
  await openSection(page, 'Tasks');
  await expect(
    page.getByRole('heading', { name: 'Add two locations, then create a task' }),
  ).toBeVisible();
  await shoot('tasks-empty', h1('Tasks'));
});

test('Files browser', async () => {
  await openSection(page, 'Files');
  await expect(page.locator('[data-testid="file-row"][data-name="docs"]')).toBeVisible();
  await expect(page.getByTestId('status-line')).toContainText('items');
  await shoot('files', page.getByRole('navigation', { name: 'Breadcrumb' }));
});

test('location editor: SMB whose test fails', async () => {
  await startAddLocation(page, 'SMB');
  await page.getByLabel('Name', { exact: true }).fill('Finance share');
  await page.getByRole('textbox', { name: 'Server', exact: true }).fill('127.0.0.1');
  await page.getByRole('textbox', { name: 'Port', exact: true }).fill(String(await closedPort()));
  await page.getByRole('textbox', { name: 'Share', exact: true }).fill('finance');
  await page.getByRole('textbox', { name: 'Folder in the share' }).fill('reports/2024');
  await page.getByRole('textbox', { name: 'Domain', exact: true }).fill('CORP');
  await page.getByRole('textbox', { name: 'User', exact: true }).fill('ana');
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await testConnection(page);
  const outcome = page.getByTestId('test-outcome');
  await expect(outcome).toHaveAttribute('role', 'alert');
  await expect(outcome.locator('.test-title')).toHaveText('Cannot reach the server');
  await shoot('location-editor-smb', outcome);
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('location editor: S3-compatible', async () => {
  await fillObjectStorageForm(page, {
    name: 'Media archive',
    server: '127.0.0.1',
    port: server.port,
    bucket: '',
    prefix: 'projects',
    accessKey: S3_TEST_CREDENTIALS.accessKeyId,
    secretKey: S3_TEST_CREDENTIALS.secretAccessKey,
  });
  await page.getByRole('button', { name: 'List buckets' }).click();
  const buckets = page.getByRole('list', { name: 'Available buckets' });
  await expect(buckets.getByRole('button')).toHaveText(['media-archive', 'team-backups']);
  await shoot('location-editor-s3', h1('Add location'));
  await buckets.getByRole('button', { name: 'media-archive' }).click();
  await saveLocation(page, 'Media archive');
});

test('locations list', async () => {
  await addLocalLocation(page, 'Project files', tree.root);
  await addLocalLocation(page, 'Backup disk', path.join(work, 'backup'));
  await addLocalLocation(page, 'Quarterly reports', path.join(work, 'failing'));
  await addLocalLocation(page, 'Video footage', path.join(work, 'large'));
  await addLocalLocation(page, 'Offsite copy', path.join(work, 'offsite'));
  await expect(
    page.getByRole('list', { name: 'Saved locations' }).getByRole('listitem'),
  ).toHaveCount(6);
  await shoot('locations', h1('Locations'));
});

test('location browser', async () => {
  await page.getByRole('button', { name: 'Browse Project files' }).click();
  await expect(page.locator('[data-testid="file-row"][data-name="docs"]')).toBeVisible();
  await page.locator('[data-testid="file-row"][data-name="docs"]').dblclick();
  await expect(page.locator('[data-testid="file-row"][data-name="img"]')).toBeVisible();
  await shoot('location-browser', h1('Project files'));
});

test('task editor with options, a conflict, filters, schedule and the browser pane', async () => {
  await fillNewTask(page, {
    name: 'Project files to backup disk',
    source: { name: 'Project files', kind: 'Local' },
    destination: { name: 'Backup disk', kind: 'Local' },
  });
  // Options: verify the whole destination, and a conflict (Atime kept while Mtime is not).
  await page
    .getByRole('combobox', { name: 'Verify data' })
    .selectOption('POINT_IN_TIME_CONSISTENT');
  await page.getByRole('combobox', { name: 'Modification time' }).selectOption('NONE');
  await expect(
    page.getByRole('alert').filter({ hasText: 'Atime=BEST_EFFORT needs Mtime=PRESERVE' }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save and run' })).toBeDisabled();
  // Filters with their live preview, and a schedule with its next runs.
  await page.getByRole('textbox', { name: 'Include' }).fill('/docs\n/data');
  await page.getByRole('textbox', { name: 'Exclude' }).fill('*.tmp');
  await expect(page.getByRole('status').filter({ hasText: /files match/ })).toHaveText(
    // "of N": the files the walk looked at; folders no include can match are not entered.
    new RegExp(`^${INCLUDED} of \\d+ files match`),
  );
  await page.getByRole('checkbox', { name: /Run on a schedule/ }).check();
  await expect(page.locator('.next-runs li')).toHaveCount(5);
  // The browser pane on the right, in the source's docs folder.
  const pane = page.getByRole('complementary', { name: 'Browse locations' });
  await expect(pane).toBeVisible();
  await pane.getByRole('combobox', { name: 'Location' }).selectOption({ label: 'Project files' });
  await pane.locator('[data-testid="file-row"][data-name="docs"]').dblclick();
  await expect(pane.locator('[data-testid="file-row"][data-name="img"]')).toBeVisible();

  // The conflict in view: the "What is kept" card, with the message under Access time.
  await page.getByRole('combobox', { name: 'Access time' }).scrollIntoViewIfNeeded();
  await shoot('task-editor', h1('New task'));
  await page.getByRole('heading', { name: 'Filters' }).scrollIntoViewIfNeeded();
  await page.locator('.next-runs').scrollIntoViewIfNeeded();
  await shoot('task-editor-filters-schedule', page.getByRole('heading', { name: 'Schedule' }));

  // Resolve the conflict and save: the task list shows it with its schedule.
  await page.getByRole('button', { name: 'Reset Modification time to the default' }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(h1('Tasks')).toBeVisible();
});

test('execution that succeeded', async () => {
  await page.getByRole('button', { name: 'Run Project files to backup disk' }).click();
  await expectExecutionStatus(page, 'SUCCESS');
  await expect(page.getByTestId('stat-files')).toHaveText(
    `Files transferred${INCLUDED} of ${INCLUDED}`,
  );
  await expect(page.getByTestId('execution-file-row').first()).toBeVisible();
  await shoot('execution-succeeded', h1('Project files to backup disk'));
});

test('execution that failed', async () => {
  await fillNewTask(page, {
    name: 'Quarterly reports to backup disk',
    source: { name: 'Quarterly reports', kind: 'Local' },
    destination: { name: 'Backup disk', kind: 'Local' },
  });
  await saveAndRun(page);
  await expectExecutionStatus(page, 'ERROR');
  await expect(page.getByTestId('stat-failed')).toHaveText('Failed1');
  await expect(page.getByTestId('execution-error')).toContainText('This run failed.');
  await expect(
    page.getByTestId('execution-file-row').filter({ hasText: 'locked.xlsx' }),
  ).toBeVisible();
  await shoot('execution-failed', h1('Quarterly reports to backup disk'));
  // The task report narrowed to the failed file, with its reason.
  const files = page.getByRole('region', { name: 'Files' });
  await files.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'Failed' });
  await expect(page.getByTestId('execution-file-row')).toHaveCount(1);
  await expect(page.getByTestId('execution-file-row')).toContainText('Permission denied');
  await files.scrollIntoViewIfNeeded();
  await shoot('execution-failed-files', files.getByRole('heading', { name: 'Files' }));
});

test('execution running under a bandwidth limit', async () => {
  await fillNewTask(page, {
    name: 'Video footage to offsite copy',
    source: { name: 'Video footage', kind: 'Local' },
    destination: { name: 'Offsite copy', kind: 'Local' },
  });
  await page.getByRole('radio', { name: 'Limit to' }).check();
  await page.getByRole('spinbutton', { name: 'Bandwidth limit in MB/s' }).fill('0.2');
  await saveAndRun(page);
  await expectExecutionStatus(page, 'TRANSFERRING');
  await expect(page.getByTestId('bandwidth-in-force')).toContainText('In force: 200 KB/s');
  // Some seconds of transfer, so the chart has a line and the ETA a value.
  await expect(page.getByTestId('stat-bytes')).not.toHaveText(/^Data transferred0 B/);
  await page.waitForTimeout(2500);
  await expectExecutionStatus(page, 'TRANSFERRING');
  await shoot('execution-running', h1('Video footage to offsite copy'));
});

test('history with finished and running executions', async () => {
  await openSection(page, 'History');
  const rows = page.getByTestId('history-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'TRANSFERRING');
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'ERROR');
  await expect(rows.nth(2)).toHaveAttribute('data-status', 'SUCCESS');
  await shoot('history', h1('History'));
});

test('tasks list with tasks', async () => {
  await openSection(page, 'Tasks');
  const tasks = page.getByRole('list', { name: 'Saved tasks' }).getByRole('listitem');
  await expect(tasks).toHaveCount(3);
  await expect(tasks.filter({ hasText: 'Project files to backup disk' })).toContainText('next run');
  await shoot('tasks', h1('Tasks'));
  // Leave nothing running behind.
  await tasks
    .filter({ hasText: 'Video footage' })
    .getByRole('button', { name: 'Transferring' })
    .click();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expectExecutionStatus(page, 'CANCELLED');
});
