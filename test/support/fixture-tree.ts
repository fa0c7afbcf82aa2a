import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Files whose exact sizes the browser tests check. */
export const FIXTURE_FILES = {
  'notes.txt': 1234,
  'Ünïcødé ファイル.bin': 5000,
  'report with spaces.pdf': 2 * 1024 * 1024 + 17,
  'empty.dat': 0,
} as const;

export const FIXTURE_DIRS = ['projects', 'locked'] as const;
export const FIXTURE_MTIME = new Date('2024-03-15T10:30:00Z');

export interface FixtureTree {
  root: string;
  /** The folder nobody may read (mode 000). */
  locked: string;
  remove(): Promise<void>;
}

/**
 * A temporary folder with known files (a unicode name, spaces, an empty file, a 2 MiB file),
 * a subfolder with one file, a hidden file, and a folder without read permission.
 */
export async function makeFixtureTree(): Promise<FixtureTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dataferry-fixture-'));
  for (const [name, size] of Object.entries(FIXTURE_FILES)) {
    const file = path.join(root, name);
    await writeFile(file, Buffer.alloc(size, 7));
    await utimes(file, FIXTURE_MTIME, FIXTURE_MTIME);
  }
  for (const dir of FIXTURE_DIRS) await mkdir(path.join(root, dir));
  await writeFile(path.join(root, 'projects', 'plan.md'), '# plan\n');
  await writeFile(path.join(root, '.hidden'), 'secret');
  const locked = path.join(root, 'locked');
  await writeFile(path.join(locked, 'inside.txt'), 'x');
  await chmod(locked, 0o000);
  return {
    root,
    locked,
    remove: async () => {
      await chmod(locked, 0o700).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
