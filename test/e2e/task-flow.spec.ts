import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  entriesOf,
  filesUnder,
  makeTaskTree,
  type TaskTree,
  type TreeFile,
} from '../support/e2e-tree';
import {
  addLocalLocation,
  download,
  executionStatus,
  expectPhasesMonotonic,
  goTo,
  locationRow,
  openAddLocation,
  openApp,
  reportRows,
  runTask,
  sectionButton,
  shownReport,
  statValue,
  taskCard,
  testConnection,
} from '../support/e2e-ui';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

/*
 * The whole desktop experience with local folders, through the UI only, in Debian's Chromium
 * against the real web host: two locations, browse, a task made by dragging a folder, run,
 * history and its report (presets: task-flow-preset.spec.ts; cancel: task-flow-cancel.spec.ts;
 * errors: task-flow-errors.spec.ts). Every expectation is computed from the disk. The steps
 * build on each other, hence serial.
 */

const TASK = 'Photos backup';

let tree: TaskTree;
let host: WebHostProcess;
/** The files of source/photos a run must copy (no .tmp), relative to photos/. */
let expected: TreeFile[];
/** Every file under source/photos, .tmp included. */
let allPhotos: TreeFile[];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  tree = await makeTaskTree();
  host = await startWebHostProcess({ HOME: tree.home, DATAFERRY_DATA_DIR: tree.dataDir });
  allPhotos = await filesUnder(path.join(tree.source, 'photos'));
  expected = allPhotos.filter((f) => !f.rel.endsWith('.tmp'));
  expect(expected).toHaveLength(30);
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

test('1. adds Source (typed) and Backup (picked) local locations; Test connection works', async ({
  page,
}) => {
  await openApp(page, host.url);
  // The keyboard way to the Locations screen.
  await page.keyboard.press('Control+2');
  await expect(sectionButton(page, 'Locations')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { name: 'No locations yet' })).toBeVisible();

  await addLocalLocation(page, 'Source', tree.source, (await entriesOf(tree.source)).length);

  // Backup: the folder chosen with the web host's folder picker, inside the page.
  const form = await openAddLocation(page);
  await form.getByRole('radio', { name: 'Local folder' }).check();
  await form.getByRole('textbox', { name: 'Name' }).fill('Backup');
  await form.getByRole('button', { name: 'Choose…' }).click();
  const picker = form.getByRole('group', { name: 'Choose a folder' });
  await expect(picker.locator('[data-testid="file-row"][data-name="source"]')).toBeVisible();
  await picker.locator('[data-testid="file-row"][data-name="backup"]').dblclick();
  await expect(picker.getByRole('table', { name: 'Folder contents' })).toContainText(
    'This folder is empty.',
  );
  await picker.getByRole('button', { name: 'Use this folder' }).click();
  await expect(picker).toHaveCount(0);
  await expect(form.getByRole('textbox', { name: 'Folder', exact: true })).toHaveValue(tree.backup);
  const outcome = await testConnection(form);
  await expect(outcome).toContainText('Connection works');
  await expect(outcome).toContainText(
    `Connected to local folder ${tree.backup}: 0 entries at the top level`,
  );
  await form.getByRole('button', { name: 'Save', exact: true }).click();

  await expect(locationRow(page, 'Source')).toContainText(tree.source);
  await expect(locationRow(page, 'Backup')).toContainText(tree.backup);
  await expect(
    page.getByRole('list', { name: 'Saved locations' }).getByRole('listitem'),
  ).toHaveCount(2);
});

test('2. browsing Source lists exactly the folder’s entries with their sizes', async ({ page }) => {
  await openApp(page, host.url);
  await goTo(page, 'Locations');
  await locationRow(page, 'Source').getByRole('button', { name: 'Browse Source' }).click();
  const view = page.getByRole('region', { name: 'Browse Source' });
  await expect(view.getByRole('heading', { name: 'Source' })).toBeVisible();

  const onDisk = await entriesOf(tree.source);
  const rows = view.getByTestId('file-row');
  await expect(rows).toHaveCount(onDisk.length);
  const shown = await rows.evaluateAll((els) =>
    els.map((el) => {
      const folder = el.querySelector('.cell-kind')?.textContent === 'Folder';
      return {
        name: el.querySelector('.cell-name .name')?.textContent ?? '',
        folder,
        size: folder ? 0 : Number(el.querySelector('.cell-size')?.getAttribute('data-bytes')),
      };
    }),
  );
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : 1);
  expect(shown.sort(byName)).toEqual(onDisk.sort(byName));
  const folders = onDisk.filter((e) => e.folder).length;
  await expect(view.locator('.status-line')).toContainText(
    `${onDisk.length} items: ${folders} folders, ${onDisk.length - folders} files`,
  );

  // Into photos: its entries, the sizes of its files as on disk.
  await view.locator('[data-testid="file-row"][data-name="photos"]').dblclick();
  const photos = await entriesOf(path.join(tree.source, 'photos'));
  await expect(rows).toHaveCount(photos.length);
  const first = photos.find((e) => e.name === 'IMG_0007.jpg');
  await expect(
    view.locator('[data-testid="file-row"][data-name="IMG_0007.jpg"] .cell-size'),
  ).toHaveAttribute('data-bytes', String(first?.size));
});

/** The filter preview line of the task editor. */
const preview = (page: Page) =>
  page.getByRole('status').filter({ hasText: /files? match|Looking at/ });

test('3. a new task from a dragged folder, with options, a conflict undone and a filter', async ({
  page,
}) => {
  await openApp(page, host.url);
  await goTo(page, 'Tasks');
  await page.getByRole('button', { name: 'New task', exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'New task', level: 1 })).toBeVisible();

  // Drag "photos" from the browser pane (on the Source location) onto the Source slot.
  const pane = page.getByRole('complementary', { name: 'Browse locations' });
  await pane.getByRole('combobox', { name: 'Location' }).selectOption({ label: 'Source' });
  const photosRow = pane.locator('[data-testid="file-row"][data-name="photos"]');
  await expect(photosRow).toBeVisible();
  const sourceSlot = page.getByRole('region', { name: 'Source', exact: true });
  await photosRow.dragTo(sourceSlot);
  await expect(sourceSlot).toContainText('Source / photos');
  await expect(sourceSlot).toContainText(path.join(tree.source, 'photos'));
  await expect(sourceSlot.getByRole('combobox', { name: 'Source location' })).toHaveValue(/.+/);

  const destinationSlot = page.getByRole('region', { name: 'Destination', exact: true });
  await destinationSlot
    .getByRole('combobox', { name: 'Destination location' })
    .selectOption({ label: 'Backup (Local)' });
  await expect(destinationSlot).toContainText(tree.backup);
  // The name suggested from the two sides, then our own.
  const name = page.getByRole('textbox', { name: 'Name', exact: true });
  await expect(name).toHaveValue('Source / photos to Backup');
  await name.fill(TASK);

  await page
    .getByRole('combobox', { name: 'Verify data' })
    .selectOption('POINT_IN_TIME_CONSISTENT');

  // REMOVE with ALL: DataSync refuses it, and so does Save, with the reason beside the option.
  const save = page.getByRole('button', { name: 'Save', exact: true });
  await page.getByRole('combobox', { name: 'Transfer mode' }).selectOption('ALL');
  await page.getByRole('combobox', { name: 'Deleted files' }).selectOption('REMOVE');
  await expect(
    page
      .getByRole('alert')
      .filter({ hasText: 'PreserveDeletedFiles=REMOVE needs TransferMode=CHANGED' }),
  ).toBeVisible();
  await expect(save).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save and run' })).toBeDisabled();
  await expect(
    page.getByText('Cannot save yet: fix the problem shown at Deleted files.'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Reset Deleted files to the default' }).click();
  await page.getByRole('button', { name: 'Reset Transfer mode to the default' }).click();
  await expect(page.getByRole('combobox', { name: 'Deleted files' })).toHaveValue('PRESERVE');
  await expect(page.getByRole('combobox', { name: 'Transfer mode' })).toHaveValue('CHANGED');
  await expect(save).toBeEnabled();

  // The live preview: every file of photos first, then without the .tmp ones.
  await expect(preview(page)).toContainText(
    `${allPhotos.length} of ${allPhotos.length} files match`,
  );
  await page.getByRole('textbox', { name: 'Exclude' }).fill('*.tmp');
  await expect(preview(page)).toContainText(
    `${expected.length} of ${allPhotos.length} files match`,
  );

  await save.click();
  await expect(page.getByRole('heading', { name: 'Tasks', level: 1 })).toBeVisible();
  const card = taskCard(page, TASK);
  await expect(card).toContainText(path.join(tree.source, 'photos'));
  await expect(card).toContainText(tree.backup);
  await expect(card).toContainText('Never run');
});

test('4. the run: phases, counters, per-file rows, and byte-identical copies on disk', async ({
  page,
}) => {
  await openApp(page, host.url);
  await goTo(page, 'Tasks');
  const log = await runTask(page, TASK, 'SUCCESS');

  // The view followed the run live (a phase seen running before the end), and every phase
  // only moved forward.
  expect(log.length).toBeGreaterThan(1);
  expect(log[0]?.status).not.toBe('SUCCESS');
  expect(log.some((snap) => Object.values(snap.phases).includes('RUNNING'))).toBe(true);
  expectPhasesMonotonic(log);
  for (const phase of ['LAUNCHING', 'PREPARING', 'TRANSFERRING', 'VERIFYING']) {
    await expect(page.locator(`[data-phase="${phase}"]`)).toHaveAttribute('data-status', 'SUCCESS');
  }
  await expect(page.locator('[data-phase="TRANSFERRING"]')).toContainText(
    `${expected.length} of ${expected.length} files`,
  );
  await expect(page.locator('[data-phase="VERIFYING"]')).toContainText(
    `${expected.length} files verified`,
  );

  expect(await statValue(page, 'files')).toBe(expected.length);
  await expect(page.getByTestId('stat-files')).toContainText(`of ${expected.length}`);
  expect(await statValue(page, 'skipped')).toBe(0);
  expect(await statValue(page, 'failed')).toBe(0);
  expect(await statValue(page, 'verified')).toBe(expected.length);
  await expect(page.getByTestId('execution-options')).toContainText(
    'Verify POINT_IN_TIME_CONSISTENT',
  );

  const rows = await reportRows(page);
  const transferred = rows.filter((r) => r.state === 'transferred').map((r) => r.path);
  const verified = rows.filter((r) => r.state === 'verified').map((r) => r.path);
  expect(transferred.sort()).toEqual(expected.map((f) => f.rel));
  expect(verified.sort()).toEqual(expected.map((f) => f.rel));
  expect(rows.filter((r) => r.path.endsWith('.tmp'))).toEqual([]);
  expect(rows.filter((r) => r.state === 'failed')).toEqual([]);

  // The destination holds exactly the copies, byte for byte, and nothing else.
  const copies = await filesUnder(tree.backup);
  expect(copies).toEqual(expected);
});

test('5. history: the run listed, opened with Enter, its report filtered and exported', async ({
  page,
}) => {
  await openApp(page, host.url);
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('heading', { name: 'History', level: 1 })).toBeVisible();
  const row = page.getByTestId('history-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'SUCCESS');
  await expect(row).toContainText('Success');
  await expect(row).toContainText(TASK);
  await expect(row.getByRole('cell').nth(4)).toHaveText(String(expected.length));

  // Keyboard only: focus the row, Enter opens its execution.
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Execution' })).toBeVisible();
  await expect(executionStatus(page)).toHaveAttribute('data-status', 'SUCCESS');
  // A transferred and a verified line per file, and a folder-created line per folder made.
  const folders = new Set(
    expected.flatMap((f) =>
      f.rel
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  await shownReport(page, expected.length * 2 + folders.size);

  // By action: only the verified lines.
  const files = page.getByRole('region', { name: 'Files' });
  await files.getByRole('combobox', { name: 'Show' }).selectOption('verified');
  const verified = await shownReport(page, expected.length);
  expect(verified.every((r) => r.state === 'verified')).toBe(true);
  expect(verified.map((r) => r.path).sort()).toEqual(expected.map((f) => f.rel));

  // And a path search on top (server-side): the files whose path holds "IMG_002".
  const matching = expected.filter((f) => f.rel.includes('IMG_002')).map((f) => f.rel);
  expect(matching.length).toBeGreaterThan(1);
  await files.getByRole('searchbox', { name: 'Search path' }).fill('IMG_002');
  const found = await shownReport(page, matching.length);
  expect(found.map((r) => r.path).sort()).toEqual(matching);

  // JSON export of what the filter shows.
  const json = await download(page, files.getByRole('button', { name: 'Export JSON' }));
  expect(json.download.suggestedFilename()).toMatch(
    /^dataferry-report-photos-backup-\d{8}-\d{4}\.json$/,
  );
  const parsed = JSON.parse(json.text) as {
    execution: { status: string; taskName: string };
    files: { path: string; action: string; size: number }[];
  };
  expect(parsed.execution).toMatchObject({ status: 'SUCCESS', taskName: TASK });
  expect(parsed.files.map((f) => f.path).sort()).toEqual(matching);
  expect(new Set(parsed.files.map((f) => f.action))).toEqual(new Set(['verified']));
  for (const line of parsed.files) {
    expect(line.size).toBe(expected.find((f) => f.rel === line.path)?.size);
  }

  // CSV export of the whole report: one line per reported file, with its action.
  await files.getByRole('searchbox', { name: 'Search path' }).fill('');
  await files.getByRole('combobox', { name: 'Show' }).selectOption('all');
  const all = await shownReport(page, expected.length * 2 + folders.size);
  const csv = await download(page, files.getByRole('button', { name: 'Export CSV' }));
  expect(csv.download.suggestedFilename()).toMatch(/\.csv$/);
  const lines = csv.text.split('\r\n').filter((l) => l !== '');
  expect(lines[0]).toBe(
    'path,action,size,source_checksum,destination_checksum,error_code,detail,at',
  );
  const csvRows = lines.slice(1).map((l) => {
    const [file = '', action = '', size = ''] = l.split(',');
    return { path: file, action, size: Number(size) };
  });
  expect(csvRows).toHaveLength(all.length);
  const key = (r: { path: string; state?: string; action?: string }) =>
    `${r.action ?? r.state} ${r.path}`;
  expect(csvRows.map(key).sort()).toEqual(all.map(key).sort());
  for (const file of expected) {
    expect(
      csvRows
        .filter((r) => r.path === file.rel)
        .map((r) => r.action)
        .sort(),
    ).toEqual(['transferred', 'verified']);
    expect(csvRows.find((r) => r.path === file.rel)?.size).toBe(file.size);
  }
  expect(
    csvRows
      .filter((r) => r.action === 'folder-created')
      .map((r) => r.path)
      .sort(),
  ).toEqual([...folders].sort());
});
