import { readFile } from 'node:fs/promises';
import { expect, type Download, type Locator, type Page } from '@playwright/test';

/*
 * Steps the end-to-end task tests take through the UI, by role and accessible name as a user (or
 * a screen reader) finds the controls; data-testids only where the UI offers them for state.
 */

/** Opens the app with the host's token URL and waits until it has talked to the host. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('app-meta')).toContainText('web host');
}

/** The sidebar's button for a section (Tasks, Locations, History, Files). */
export function sectionButton(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
}

/** Opens a section from the sidebar and waits until it is the current one. */
export async function goTo(page: Page, name: 'Tasks' | 'Locations' | 'History' | 'Files') {
  await sectionButton(page, name).click();
  await expect(sectionButton(page, name)).toHaveAttribute('aria-current', 'page');
}

/** The "Add location" form, opened from the Locations screen. */
export async function openAddLocation(page: Page): Promise<Locator> {
  await goTo(page, 'Locations');
  await page.getByRole('button', { name: 'Add location' }).click();
  const form = page.getByRole('region', { name: 'Add location' });
  await expect(form.getByRole('heading', { name: 'Add location' })).toBeVisible();
  return form;
}

/** Presses Test connection and returns the outcome box once it has arrived. */
export async function testConnection(form: Locator): Promise<Locator> {
  await form.getByRole('button', { name: 'Test connection' }).click();
  const outcome = form.getByTestId('test-outcome');
  await expect(outcome).toBeVisible({ timeout: 20_000 });
  return outcome;
}

/**
 * Adds a local location by typing its folder, tests it (which must succeed) and saves it; back
 * on the Locations screen, its row shows the path.
 */
export async function addLocalLocation(
  page: Page,
  name: string,
  folder: string,
  /** How many entries the folder holds at its top, as Test connection must report. */
  topEntries: number,
): Promise<void> {
  const form = await openAddLocation(page);
  await form.getByRole('radio', { name: 'Local folder' }).check();
  await form.getByRole('textbox', { name: 'Name' }).fill(name);
  await form.getByRole('textbox', { name: 'Folder' }).fill(folder);
  const outcome = await testConnection(form);
  await expect(outcome).toContainText('Connection works');
  await expect(outcome).toContainText(
    `Connected to local folder ${folder}: ${topEntries} entries at the top level`,
  );
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(locationRow(page, name)).toContainText(folder);
}

/** A saved location's row on the Locations screen. */
export function locationRow(page: Page, name: string): Locator {
  return page
    .getByRole('list', { name: 'Saved locations' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
}

/** A saved task's card on the Tasks screen. */
export function taskCard(page: Page, name: string): Locator {
  return page
    .getByRole('list', { name: 'Saved tasks' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name, exact: true }) });
}

/** The execution view's status badge. */
export function executionStatus(page: Page): Locator {
  return page.getByTestId('execution-status');
}

/** The number a counter of the execution view shows ("30 of 30" gives 30). */
export async function statValue(page: Page, name: string): Promise<number> {
  const text = (await page.getByTestId(`stat-${name}`).locator('dd').innerText()).trim();
  const match = /^[\d,.\s]+/.exec(text);
  if (!match) throw new Error(`stat-${name} shows no number: "${text}"`);
  return Number(match[0].replace(/[^\d]/g, ''));
}

/**
 * Records, from now on, every state the execution view shows: the status badge and each phase's
 * data-status, one snapshot per change (a MutationObserver in the page). Read with phaseLog.
 */
export async function recordPhases(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: string[] = [];
    (window as unknown as { __phaseLog: string[] }).__phaseLog = log;
    const snapshot = (): void => {
      const badge = document.querySelector('[data-testid="execution-status"]');
      if (!badge) return;
      const phases = [...document.querySelectorAll('[data-phase]')]
        .map((el) => `${el.getAttribute('data-phase')}=${el.getAttribute('data-status')}`)
        .join(' ');
      const line = `${badge.getAttribute('data-status')} ${phases}`;
      if (log[log.length - 1] !== line) log.push(line);
    };
    new MutationObserver(snapshot).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
  });
}

/** What recordPhases saw: per snapshot, the status and each phase's status. */
export async function phaseLog(
  page: Page,
): Promise<{ status: string; phases: Record<string, string> }[]> {
  const lines = await page.evaluate(
    () => (window as unknown as { __phaseLog?: string[] }).__phaseLog ?? [],
  );
  return lines.map((line) => {
    const [status = '', ...parts] = line.split(' ');
    return {
      status,
      phases: Object.fromEntries(parts.map((p) => p.split('=') as [string, string])),
    };
  });
}

/** How far along a phase state is: PENDING, then RUNNING, then any final state. */
function phaseRank(status: string): number {
  return status === 'PENDING' ? 0 : status === 'RUNNING' ? 1 : 2;
}

/**
 * Checks that, snapshot after snapshot, no phase ever went back (a final state never changes,
 * a running phase never shows pending again).
 */
export function expectPhasesMonotonic(
  log: { status: string; phases: Record<string, string> }[],
): void {
  const last: Record<string, string> = {};
  for (const snap of log) {
    for (const [phase, status] of Object.entries(snap.phases)) {
      const before = last[phase] ?? 'PENDING';
      const moved = `${phase} went from ${before} to ${status}`;
      expect(phaseRank(status), moved).toBeGreaterThanOrEqual(phaseRank(before));
      if (phaseRank(before) === 2) expect(status, moved).toBe(before);
      last[phase] = status;
    }
  }
}

/**
 * Every row of the execution view's task report table (virtualized: only the rows in view
 * exist), gathered by scrolling it from top to bottom: path and data-state, in table order.
 */
export async function reportRows(page: Page): Promise<{ path: string; state: string }[]> {
  const table = page.getByRole('table', { name: 'Task report' });
  await expect(table.locator('.xf-loading')).toHaveCount(0);
  const rows = await table.evaluate(async (el) => {
    const body = el.querySelector<HTMLElement>('.xf-body');
    if (!body) return [];
    const total = Number(el.getAttribute('aria-rowcount')) - 1;
    const got = new Map<number, { path: string; state: string }>();
    const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    body.scrollTop = 0;
    for (let guard = 0; guard < 5000 && got.size < total; guard++) {
      await settle(30);
      for (const row of body.querySelectorAll<HTMLElement>('[data-testid="execution-file-row"]')) {
        got.set(Number(row.getAttribute('aria-rowindex')), {
          path: row.dataset.path ?? '',
          state: row.dataset.state ?? '',
        });
      }
      if (body.querySelector('.xf-loading')) continue; // pages still arriving
      if (body.scrollTop + body.clientHeight >= body.scrollHeight - 1) break;
      body.scrollTop += Math.max(32, body.clientHeight - 64);
    }
    return [...got.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
  });
  await expect(table).toHaveAttribute('aria-rowcount', String(rows.length + 1));
  return rows;
}

/** Clicks `trigger` and returns the download it starts, with its text. */
export async function download(
  page: Page,
  trigger: Locator,
): Promise<{ download: Download; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger.click()]);
  const where = await file.path();
  return { download: file, text: await readFile(where, 'utf8') };
}

/**
 * Runs a task from its card on the Tasks screen and waits until its execution view shows
 * `status`; returns every state the view went through (see recordPhases).
 */
export async function runTask(page: Page, task: string, status: string) {
  await recordPhases(page);
  await taskCard(page, task)
    .getByRole('button', { name: `Run ${task}` })
    .click();
  await expect(page.getByRole('region', { name: 'Execution' })).toBeVisible();
  await expect(executionStatus(page)).toHaveAttribute(
    'data-status',
    /^(SUCCESS|ERROR|CANCELLED)$/,
    { timeout: 25_000 },
  );
  // An unexpected end says why (the execution's error notice) rather than only its status.
  const ended = await executionStatus(page).getAttribute('data-status');
  const why = ended === status ? '' : await page.getByTestId('execution-error').allInnerTexts();
  expect(ended, `the run ended ${ended}: ${String(why)}`).toBe(status);
  return phaseLog(page);
}

/** The rows of the execution view's report table, once its count says `count` ("30 files"). */
export async function shownReport(
  page: Page,
  count: number,
): Promise<{ path: string; state: string }[]> {
  await expect(page.getByRole('region', { name: 'Files' }).locator('.xf-count')).toHaveText(
    new RegExp(`^${count}(?![\\d,.])`),
  );
  return reportRows(page);
}

/**
 * Makes a task in the editor with the keyboard-friendly selects (no drag): its two saved
 * locations, a name, the VerifyMode and the exclude patterns; saves it and waits for its card.
 */
export async function createTask(
  page: Page,
  task: { name: string; source: string; destination: string; verify?: string; excludes?: string },
): Promise<void> {
  await goTo(page, 'Tasks');
  await page.getByRole('button', { name: 'New task', exact: true }).first().click();
  await expect(page.getByRole('heading', { name: 'New task', level: 1 })).toBeVisible();
  await page
    .getByRole('combobox', { name: 'Source location' })
    .selectOption({ label: `${task.source} (Local)` });
  await page
    .getByRole('combobox', { name: 'Destination location' })
    .selectOption({ label: `${task.destination} (Local)` });
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(task.name);
  if (task.verify) {
    await page.getByRole('combobox', { name: 'Verify data' }).selectOption(task.verify);
  }
  if (task.excludes) await page.getByRole('textbox', { name: 'Exclude' }).fill(task.excludes);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(taskCard(page, task.name)).toBeVisible();
}
