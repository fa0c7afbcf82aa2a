import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLocalFolder } from '../../../src-main/services/local-folder-service';
import { AppError } from '../../../src-shared/errors';
import { mapFsError } from '../../../src-main/locations/local/map-fs-error';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dataferry-list-'));
  await writeFile(path.join(root, 'b.txt'), 'hello');
  await writeFile(path.join(root, 'ä ö 文件.txt'), Buffer.alloc(3000));
  await writeFile(path.join(root, '.dot'), 'x');
  await mkdir(path.join(root, 'sub'));
  await symlink(path.join(root, 'sub'), path.join(root, 'link-to-sub'));
  await symlink(path.join(root, 'missing'), path.join(root, 'dangling'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('listLocalFolder', () => {
  it('lists names, kinds and sizes, sorted, hiding dot files', async () => {
    const listing = await listLocalFolder(root, { showHidden: false });
    expect(listing.path).toBe(root);
    expect(listing.parent).toBe(path.dirname(root));
    expect(listing.entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['b.txt', 'file', 5],
      ['dangling', 'symlink', 0],
      ['link-to-sub', 'symlink', 0],
      ['sub', 'dir', 0],
      ['ä ö 文件.txt', 'file', 3000],
    ]);
    expect(listing.entries.find((e) => e.name === 'link-to-sub')?.targetIsDir).toBe(true);
    expect(listing.entries.find((e) => e.name === 'dangling')?.targetIsDir).toBe(false);
  });

  it('shows dot files when asked', async () => {
    const listing = await listLocalFolder(root, { showHidden: true });
    expect(listing.entries.map((e) => e.name)).toContain('.dot');
  });

  it('normalises the path it was given', async () => {
    const listing = await listLocalFolder(`${root}/sub/..`, { showHidden: false });
    expect(listing.path).toBe(root);
  });

  it('has no parent at the root', async () => {
    expect((await listLocalFolder('/', { showHidden: false })).parent).toBeNull();
  });

  it('refuses a relative path with invalid-input', async () => {
    expect(await codeOf(listLocalFolder('relative/path', { showHidden: false }))).toBe(
      'invalid-input',
    );
  });

  it('reports a missing folder as not-found, naming it', async () => {
    const missing = path.join(root, 'nope');
    await expect(listLocalFolder(missing, { showHidden: false })).rejects.toThrow(
      `Not found: ${missing}`,
    );
    expect(await codeOf(listLocalFolder(missing, { showHidden: false }))).toBe('not-found');
  });

  it('reports a file as not-dir', async () => {
    expect(await codeOf(listLocalFolder(path.join(root, 'b.txt'), { showHidden: false }))).toBe(
      'not-dir',
    );
  });
});

describe('mapFsError', () => {
  it.each([
    ['EACCES', 'permission-denied', 'Permission denied'],
    ['EPERM', 'permission-denied', 'Permission denied'],
    ['ENOENT', 'not-found', 'Not found'],
    ['ENOSPC', 'no-space', 'No space left on the device'],
    ['EWHATEVER', 'unknown', 'strange'],
  ])('maps %s to %s with a message naming the path', (errno, code, words) => {
    const native = Object.assign(new Error('strange'), { code: errno });
    const mapped = mapFsError(native, '/srv/x', 'read folder');
    expect(mapped.code).toBe(code);
    expect(mapped.message).toBe(`${words}: /srv/x (read folder)`);
  });
});
