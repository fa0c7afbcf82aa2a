import { expect, type Page } from '@playwright/test';

/*
 * Steps through the renderer the way a user takes them, shared by the S3 flow and the screenshot
 * specs: open a section, add locations, create and run a task, wait for an execution's end.
 * Every step finds controls by role and accessible name, so a lost label fails here.
 */

export type Section = 'Tasks' | 'Locations' | 'History' | 'Files';

/** Clicks a section of the sidebar and waits for its heading. */
export async function openSection(page: Page, section: Section): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('button', { name: section, exact: true })
    .click();
  if (section !== 'Files') {
    await expect(page.getByRole('heading', { level: 1, name: section, exact: true })).toBeVisible();
  }
}

/** Opens the add form from the Locations screen and picks a kind. */
export async function startAddLocation(page: Page, kind: string): Promise<void> {
  await openSection(page, 'Locations');
  await page
    .getByRole('button', { name: /^Add (your first )?location$/ })
    .first()
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add location' })).toBeVisible();
  await page.getByRole('radio', { name: kind, exact: true }).check();
  // The kind's card title confirms the form switched.
  await expect(page.getByRole('radio', { name: kind, exact: true })).toBeChecked();
}

/** Saves the location form and waits until the list shows the new row. */
export async function saveLocation(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Locations' })).toBeVisible();
  await expect(
    page.getByRole('list', { name: 'Saved locations' }).getByRole('heading', { name, exact: true }),
  ).toBeVisible();
}

/** Adds a "Local folder" location for `folder` through the form. */
export async function addLocalLocation(page: Page, name: string, folder: string): Promise<void> {
  await startAddLocation(page, 'Local folder');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('textbox', { name: 'Folder', exact: true }).fill(folder);
  await saveLocation(page, name);
}

export interface ObjectStorageFields {
  name: string;
  server: string;
  port: number;
  bucket: string;
  prefix?: string;
  accessKey: string;
  secretKey: string;
}

/** Fills the "S3-compatible" form (HTTP, path style) without saving it; bucket '' leaves it empty. */
export async function fillObjectStorageForm(page: Page, f: ObjectStorageFields): Promise<void> {
  await startAddLocation(page, 'S3-compatible');
  await page.getByLabel('Name', { exact: true }).fill(f.name);
  await page.getByRole('textbox', { name: 'Server', exact: true }).fill(f.server);
  await page.getByRole('textbox', { name: 'Port', exact: true }).fill(String(f.port));
  await page.getByRole('combobox', { name: 'Protocol' }).selectOption('HTTP');
  await page.getByRole('textbox', { name: 'Access key', exact: true }).fill(f.accessKey);
  await page.getByLabel('Secret key', { exact: true }).fill(f.secretKey);
  // An empty bucket is left untouched (not visited), as a user who will pick it from the list.
  if (f.bucket !== '') {
    await page.getByRole('textbox', { name: 'Bucket', exact: true }).fill(f.bucket);
  }
  if (f.prefix !== undefined) {
    await page.getByRole('textbox', { name: 'Folder (prefix)' }).fill(f.prefix);
  }
  await expect(page.getByRole('checkbox', { name: 'Path-style addressing' })).toBeChecked();
}

/** Clicks Test connection and waits for its outcome (ok or failed). */
export async function testConnection(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByTestId('test-outcome')).toBeVisible({ timeout: 20_000 });
}

/** The task editor's select option for a saved location: "Name (Kind)". */
export function slotOption(name: string, kind: string): { label: string } {
  return { label: `${name} (${kind})` };
}

export interface NewTask {
  name: string;
  source: { name: string; kind: string };
  destination: { name: string; kind: string };
}

/** Opens a new task, chooses both locations and names it; leaves the editor open. */
export async function fillNewTask(page: Page, task: NewTask): Promise<void> {
  await openSection(page, 'Tasks');
  await page.getByRole('button', { name: 'New task', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'New task' })).toBeVisible();
  await page
    .getByRole('combobox', { name: 'Source location' })
    .selectOption(slotOption(task.source.name, task.source.kind));
  await page
    .getByRole('combobox', { name: 'Destination location' })
    .selectOption(slotOption(task.destination.name, task.destination.kind));
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(task.name);
}

/** Clicks "Save and run" and resolves with the execution the app opened. */
export async function saveAndRun(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Save and run' }).click();
  const view = page.getByRole('region', { name: 'Execution' });
  await expect(view).toBeVisible();
  const id = await view.getAttribute('data-execution-id');
  expect(id).toBeTruthy();
  return id as string;
}

/** Waits until the open execution shows `status` (SUCCESS, ERROR, TRANSFERRING...). */
export async function expectExecutionStatus(
  page: Page,
  status: string,
  timeout = 30_000,
): Promise<void> {
  await expect(page.getByTestId('execution-status')).toHaveAttribute('data-status', status, {
    timeout,
  });
}
