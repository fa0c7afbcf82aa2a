import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import {
  entriesOf,
  filesUnder,
  makeTaskTree,
  type TaskTree,
  type TreeFile,
} from '../support/e2e-tree';
import {
  addLocalLocation,
  createTask,
  download,
  expectPhasesMonotonic,
  goTo,
  openApp,
  runTask,
  shownReport,
  statValue,
  taskCard,
} from '../support/e2e-ui';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

/*
 * Presets through the UI: a task that ran once is exported from the Tasks list, deleted,
 * imported back from the downloaded file, and run again (everything unchanged: nothing copied).
 * Malformed files are refused with the cause and add nothing. Own web host and folders, so a
 * failure elsewhere in the task flow does not hide these.
 */

const TASK = 'Photos backup';

let tree: TaskTree;
let host: WebHostProcess;
let photos: string;
/** The files of source/photos a run must copy (no .tmp). */
let expected: TreeFile[];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  tree = await makeTaskTree();
  host = await startWebHostProcess({ HOME: tree.home, DATAFERRY_DATA_DIR: tree.dataDir });
  photos = path.join(tree.source, 'photos');
  expected = (await filesUnder(photos)).filter((f) => !f.rel.endsWith('.tmp'));
});

test.afterAll(async () => {
  await host?.stop();
  await tree?.remove();
});

test.afterEach(async ({ page }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await page.screenshot({ path: testInfo.outputPath('failure.png'), fullPage: true });
    await testInfo.attach('web host output', { body: host.output(), contentType: 'text/plain' });
  }
});

test('setup: a task that copied photos once', async ({ page }) => {
  await openApp(page, host.url);
  await addLocalLocation(page, 'Photos', photos, (await entriesOf(photos)).length);
  await addLocalLocation(page, 'Backup', tree.backup, 0);
  await createTask(page, {
    name: TASK,
    source: 'Photos',
    destination: 'Backup',
    verify: 'POINT_IN_TIME_CONSISTENT',
    excludes: '*.tmp',
  });
  await runTask(page, TASK, 'SUCCESS');
  expect(await statValue(page, 'files')).toBe(expected.length);
  expect(await filesUnder(tree.backup)).toEqual(expected);
});

test('preset: export, delete, import back, run again (nothing to copy); bad files refused', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await openApp(page, host.url);
  await goTo(page, 'Tasks');
  const card = taskCard(page, TASK);
  await expect(card).toContainText('Last run');

  const preset = await download(
    page,
    card.getByRole('button', { name: `Export preset of ${TASK}` }),
  );
  // Kept in the HOME's Downloads, like a user's browser does (and out of test-results, which a
  // concurrent Playwright run may clean).
  const downloads = path.join(tree.home, 'Downloads');
  await mkdir(downloads);
  const presetFile = path.join(downloads, preset.download.suggestedFilename());
  await preset.download.saveAs(presetFile);
  const content = JSON.parse(preset.text) as {
    format: string;
    task: { name: string; excludes: string; options: Record<string, unknown> };
    source: { config: { kind: string; path: string } };
    destination: { config: { kind: string; path: string } };
  };
  expect(content.format).toBe('dataferry-preset');
  expect(content.task).toMatchObject({
    name: TASK,
    excludes: '*.tmp',
    options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT', TransferMode: 'CHANGED' },
  });
  expect(content.source.config).toMatchObject({ kind: 'local', path: photos });
  expect(content.destination.config).toMatchObject({ kind: 'local', path: tree.backup });

  await card.getByRole('button', { name: `Delete ${TASK}` }).click();
  await card
    .getByRole('group', { name: 'Confirm' })
    .getByRole('button', { name: 'Delete task' })
    .click();
  await expect(card).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Create your first task' })).toBeVisible();

  const input = page.getByLabel('Preset file to import');
  await input.setInputFiles(presetFile);
  await expect(page.getByRole('status').filter({ hasText: 'Imported task' })).toContainText(
    `Imported task “${TASK}”. It is ready to run.`,
  );
  await expect(page.getByRole('list', { name: 'Saved tasks' }).getByRole('listitem')).toHaveCount(
    1,
  );
  await expect(taskCard(page, TASK)).toContainText(photos);
  await expect(taskCard(page, TASK)).toContainText(tree.backup);
  // The locations were reused, not duplicated.
  await goTo(page, 'Locations');
  await expect(
    page.getByRole('list', { name: 'Saved locations' }).getByRole('listitem'),
  ).toHaveCount(2);
  await goTo(page, 'Tasks');

  // Malformed presets: a clear refusal, and nothing added.
  const refusals: [string, string, RegExp][] = [
    [
      'incomplete.json',
      '{"format":"dataferry-preset","version":1,"task":{"name":"x"}}',
      /The preset was not imported\.\s*The preset file is not valid: task\.options: .*expected object/,
    ],
    [
      'not-json.json',
      'this is not JSON {',
      /The preset was not imported\.\s*The preset file is not valid JSON/,
    ],
  ];
  for (const [name, text, message] of refusals) {
    const file = path.join(downloads, name);
    await writeFile(file, text);
    await input.setInputFiles(file);
    await expect(page.getByRole('alert').filter({ hasText: 'not imported' })).toHaveText(message);
    await expect(page.getByRole('list', { name: 'Saved tasks' }).getByRole('listitem')).toHaveCount(
      1,
    );
    await page.getByRole('button', { name: 'Dismiss' }).click();
  }

  // Run the imported task: every file unchanged, so nothing is copied and all are skipped.
  const before = await filesUnder(tree.backup);
  const log = await runTask(page, TASK, 'SUCCESS');
  expectPhasesMonotonic(log);
  expect(await statValue(page, 'files')).toBe(0);
  await expect(page.getByTestId('stat-files').locator('dd')).toHaveText(/^0\s*of 0$/);
  expect(await statValue(page, 'skipped')).toBe(expected.length);
  expect(await statValue(page, 'failed')).toBe(0);
  expect(await statValue(page, 'verified')).toBe(expected.length);
  await expect(page.locator('[data-phase="PREPARING"]')).toContainText('0 to transfer');
  const rows = await shownReport(page, expected.length);
  expect(rows.filter((r) => r.state !== 'verified')).toEqual([]);
  expect(await filesUnder(tree.backup)).toEqual(before);

  await goTo(page, 'History');
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  await expect(page.getByTestId('history-row').first()).toHaveAttribute('data-status', 'SUCCESS');
});
