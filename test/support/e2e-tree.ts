import { mkdir, mkdtemp, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomFile, sha256File } from './file-hash';

/*
 * The folders the end-to-end task tests work on: a HOME with a source tree and an empty backup
 * folder, and what the tests expect of them, computed from the disk (never hard-coded), so an
 * assertion compares the UI with the files themselves.
 */

/** A file under some root: its '/'-separated relative path, size and SHA-256. */
export interface TreeFile {
  rel: string;
  size: number;
  sha256: string;
}

export interface TaskTree {
  /** The temporary HOME of the web host: holds `source` and `backup`. */
  home: string;
  source: string;
  backup: string;
  /** The web host's data folder (outside HOME, so the browser never shows it). */
  dataDir: string;
  remove(): Promise<void>;
}

/** Sizes of varied magnitudes: empty, a few bytes, KiB, hundreds of KiB (past the 256 KiB batch limit). */
function photoSize(i: number): number {
  const sizes = [0, 1, 17, 999, 4096, 65_537, 180_000, 262_145, 400_000, 733_331];
  return (sizes[i % sizes.length] as number) + i * 13;
}

/**
 * `<tmp>/source`: photos/ with 30 .jpg files (25 at the top, 5 in photos/2023) of varied sizes
 * and 3 .tmp files; docs/ with 5 files; an empty folder; café/ünï.txt; two files at the top.
 * `<tmp>/backup`: empty.
 */
export async function makeTaskTree(): Promise<TaskTree> {
  const home = await realpath(await mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-home-')));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dataferry-e2e-data-'));
  const source = path.join(home, 'source');
  const backup = path.join(home, 'backup');
  await mkdir(path.join(source, 'photos', '2023'), { recursive: true });
  await mkdir(path.join(source, 'docs'));
  await mkdir(path.join(source, 'empty'));
  await mkdir(path.join(source, 'café'));
  await mkdir(backup);
  for (let i = 1; i <= 30; i++) {
    const name = `IMG_${String(i).padStart(4, '0')}.jpg`;
    const folder = i > 25 ? path.join('photos', '2023') : 'photos';
    await randomFile(path.join(source, folder, name), photoSize(i));
  }
  await randomFile(path.join(source, 'photos', 'IMG_0004.jpg.tmp'), 3000);
  await randomFile(path.join(source, 'photos', '~edit.tmp'), 12);
  await randomFile(path.join(source, 'photos', '2023', 'cache.tmp'), 70_000);
  const docs = ['budget.xlsx', 'notes.txt', 'plan.odt', 'readme.md', 'report.pdf'];
  for (const [i, name] of docs.entries()) {
    await randomFile(path.join(source, 'docs', name), 500 + i * 2_001);
  }
  await writeFile(path.join(source, 'café', 'ünï.txt'), 'ünïcødé\n');
  await randomFile(path.join(source, 'README.txt'), 1234);
  await randomFile(path.join(source, 'index.html'), 5000);
  return {
    home,
    source,
    backup,
    dataDir,
    remove: async () => {
      await rm(home, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every file under `root` (recursively, hidden ones included), sorted by path, with its hash. */
export async function filesUnder(root: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, rel);
      else if (entry.isFile()) {
        out.push({ rel, size: (await stat(full)).size, sha256: await sha256File(full) });
      }
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** The entries directly in `dir`: name, whether a folder, and the size of files. */
export async function entriesOf(
  dir: string,
): Promise<{ name: string; folder: boolean; size: number }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return Promise.all(
    entries
      .filter((e) => !e.name.startsWith('.'))
      .map(async (e) => ({
        name: e.name,
        folder: e.isDirectory(),
        size: e.isDirectory() ? 0 : (await stat(path.join(dir, e.name))).size,
      })),
  );
}
