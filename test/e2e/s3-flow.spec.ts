import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  childrenOf,
  EMPTY_FOLDER,
  makeSourceTree,
  readTree,
  sha256,
  SOURCE_FILES,
  SOURCE_MTIME,
  type SourceTree,
} from '../support/e2e-s3-tree';
import {
  addLocalLocation,
  expectExecutionStatus,
  fillNewTask,
  fillObjectStorageForm,
  openSection,
  saveAndRun,
  saveLocation,
  testConnection,
} from '../support/e2e-s3-ui';
import { S3_TEST_CREDENTIALS, startS3Server, type RunningS3Server } from '../support/s3-servers';
import { startWebHostProcess, type WebHostProcess } from '../support/web-host-process';

// The whole S3-compatible flow through the renderer, against a real S3-compatible server
// (fauxqs) and the real web host process: add the locations, test the connection (and a failing
// one), copy a tree to the bucket, check every object's bytes on the server, browse the bucket,
// and copy it back to a new local folder, byte for byte.

const BUCKET = 'dataferry-e2e';
const OTHER_BUCKET = 'another-bucket';
const PREFIX = 'backups/tree';
const FILE_COUNT = Object.keys(SOURCE_FILES).length;

let server: RunningS3Server;
let host: WebHostProcess;
let tree: SourceTree;
let work: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  expect(FILE_COUNT).toBe(25);
  [server, tree, work] = await Promise.all([
    startS3Server('fauxqs'),
    makeSourceTree(),
    mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-s3-')),
  ]);
  await server.createBucket(BUCKET);
  await server.createBucket(OTHER_BUCKET);
  host = await startWebHostProcess({ HOME: work, DATAFERRY_DATA_DIR: path.join(work, 'data') });
});

test.afterAll(async () => {
  await host?.stop();
  await server?.stop();
  await tree?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The bytes of one object, read back through the SDK (not through DataFerry). */
async function objectSha256(key: string): Promise<string> {
  const answer = await server.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return sha256(
    await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

/** The names the location browser lists, in its order. */
async function shownNames(page: Page): Promise<string[]> {
  return page
    .getByTestId('file-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name') ?? ''));
}

const sortedNames = (names: string[]): string[] => [...names].sort();

test('local -> S3-compatible -> local through the UI, byte for byte', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(host.url);

  // 1. The source: a local folder.
  await addLocalLocation(page, 'Source tree', tree.root);

  // 2. The bucket: an S3-compatible location, the bucket picked from "List buckets".
  await fillObjectStorageForm(page, {
    name: 'Test bucket',
    server: '127.0.0.1',
    port: server.port,
    bucket: '',
    accessKey: S3_TEST_CREDENTIALS.accessKeyId,
    secretKey: S3_TEST_CREDENTIALS.secretAccessKey,
  });
  await page.getByRole('button', { name: 'List buckets' }).click();
  const buckets = page.getByRole('list', { name: 'Available buckets' });
  await expect(buckets.getByRole('button')).toHaveText([OTHER_BUCKET, BUCKET]);
  await buckets.getByRole('button', { name: BUCKET }).click();
  await expect(page.getByRole('textbox', { name: 'Bucket', exact: true })).toHaveValue(BUCKET);
  await expect(page.locator('.editor-preview code')).toHaveText(
    `http://127.0.0.1:${server.port}/${BUCKET}`,
  );

  await testConnection(page);
  const outcome = page.getByTestId('test-outcome');
  await expect(outcome).toHaveAttribute('role', 'status');
  await expect(outcome).toContainText('Connection works');
  await expect(outcome).toContainText(`${BUCKET}`);

  // fauxqs accepts any access key and never checks signatures (see s3-servers.ts), so a wrong
  // secret key cannot fail there: the failing test uses a bucket that does not exist instead.
  const bucketField = page.getByRole('textbox', { name: 'Bucket', exact: true });
  await bucketField.fill('no-such-bucket');
  await expect(outcome).toContainText('The settings changed since this test.');
  await testConnection(page);
  await expect(outcome).toHaveAttribute('role', 'alert');
  await expect(outcome.locator('.test-title')).toHaveText('Not found');
  await expect(outcome.locator('.test-message')).toContainText('no-such-bucket');

  await bucketField.fill(BUCKET);
  await testConnection(page);
  await expect(outcome).toContainText('Connection works');
  // The tree goes under a prefix that does not exist yet: the run creates it. (Test connection
  // is not asked again here: it lists the prefix, and a prefix without objects is "Not found".)
  await page.getByRole('textbox', { name: 'Folder (prefix)' }).fill(PREFIX);
  await expect(page.locator('.editor-preview code')).toHaveText(
    `http://127.0.0.1:${server.port}/${BUCKET}/${PREFIX}`,
  );
  await saveLocation(page, 'Test bucket');
  const bucketRow = page.getByRole('listitem', { name: 'Test bucket' });
  await expect(bucketRow).toContainText('S3-compatible');
  await expect(bucketRow).toContainText(`Access key ${S3_TEST_CREDENTIALS.accessKeyId}`);
  await expect(bucketRow).toContainText('Secret key saved');

  // 3. Local -> S3, run from the editor, to Success.
  await fillNewTask(page, {
    name: 'Tree to bucket',
    source: { name: 'Source tree', kind: 'Local' },
    destination: { name: 'Test bucket', kind: 'S3-compatible' },
  });
  await expect(page.getByRole('status').filter({ hasText: /files? match/ })).toHaveText(
    new RegExp(`^${FILE_COUNT} of ${FILE_COUNT} files match`),
  );
  await saveAndRun(page);
  await expectExecutionStatus(page, 'SUCCESS');
  await expect(page.getByTestId('stat-files')).toHaveText(
    `Files transferred${FILE_COUNT} of ${FILE_COUNT}`,
  );
  await expect(page.getByTestId('stat-verified')).toHaveText(`Verified${FILE_COUNT}`);
  await expect(page.getByTestId('stat-failed')).toHaveText('Failed0');

  // On the server: every file is an object under the prefix, with the exact bytes.
  const keys = await server.listKeys(BUCKET, `${PREFIX}/`);
  const objects = keys.filter((k) => !k.endsWith('/')).map((k) => k.slice(PREFIX.length + 1));
  expect(sortedNames(objects)).toEqual(sortedNames([...tree.hashes.keys()]));
  for (const [relative, hash] of tree.hashes) {
    expect(await objectSha256(`${PREFIX}/${relative}`), relative).toBe(hash);
  }
  // The empty folder exists only as its marker object.
  expect(keys).toContain(`${PREFIX}/${EMPTY_FOLDER}/`);

  // 4. The bucket in the Locations screen's browser: the same folders and objects.
  await openSection(page, 'Locations');
  await page.getByRole('button', { name: 'Browse Test bucket' }).click();
  const browser = page.getByRole('region', { name: 'Browse Test bucket' });
  await expect(browser.getByRole('heading', { level: 1, name: 'Test bucket' })).toBeVisible();
  const everything = [...tree.hashes.keys(), EMPTY_FOLDER];
  const expectFolder = async (folder: string): Promise<void> => {
    await expect
      .poll(async () => sortedNames(await shownNames(page)))
      .toEqual(childrenOf(everything, folder));
  };
  await expectFolder('');
  await expect(
    page.locator('[data-testid="file-row"][data-name="empty.txt"] .cell-size'),
  ).toHaveAttribute('data-bytes', '0');
  await page.locator('[data-testid="file-row"][data-name="docs"]').dblclick();
  await expectFolder('docs');
  await page.locator('[data-testid="file-row"][data-name="img"]').dblclick();
  await expectFolder('docs/img');
  await expect(
    page.locator('[data-testid="file-row"][data-name="photo-2.jpg"] .cell-size'),
  ).toHaveAttribute('data-bytes', String(SOURCE_FILES['docs/img/photo-2.jpg']));
  await expect(page.locator('[aria-current="location"]')).toHaveText('img');
  await page.getByRole('button', { name: 'Test bucket', exact: true }).click();
  await expectFolder('');
  await page.locator('[data-testid="file-row"][data-name="music"]').dblclick();
  await page.locator('[data-testid="file-row"][data-name="café"]').dblclick();
  await expectFolder('music/café');

  // 5. S3 -> a new local folder (not there yet: the run creates it), then compare.
  const restored = path.join(work, 'restored', 'tree');
  await addLocalLocation(page, 'Restored copy', restored);
  await fillNewTask(page, {
    name: 'Bucket to restored copy',
    source: { name: 'Test bucket', kind: 'S3-compatible' },
    destination: { name: 'Restored copy', kind: 'Local' },
  });
  await saveAndRun(page);
  await expectExecutionStatus(page, 'SUCCESS');
  await expect(page.getByTestId('stat-files')).toHaveText(
    `Files transferred${FILE_COUNT} of ${FILE_COUNT}`,
  );
  const copy = await readTree(restored);
  expect(copy.files).toEqual(tree.hashes);
  // Mtime=PRESERVE (the default) carried each file's time through the object's metadata.
  for (const [relative, mtimeMs] of copy.mtimes) {
    expect(Math.abs(mtimeMs - SOURCE_MTIME.getTime()), relative).toBeLessThan(1000);
  }
  expect(copy.folders).toContain(EMPTY_FOLDER);

  // Both runs are in the history, newest first.
  await openSection(page, 'History');
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  await expect(page.getByTestId('history-row').first()).toHaveAttribute('data-status', 'SUCCESS');
  await expect(page.getByTestId('history-row').first()).toContainText('Bucket to restored copy');
});
