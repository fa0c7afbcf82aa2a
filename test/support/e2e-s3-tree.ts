import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The source tree of the end-to-end transfers: 25 files in nested folders, with a unicode name,
 * names with spaces, an empty file and one file large enough to take several reads, plus an
 * empty folder. Paths are relative and '/'-separated, as object keys are.
 */
export const SOURCE_FILES: Readonly<Record<string, number>> = {
  'README.md': 1_200,
  'empty.txt': 0,
  'Ünïcødé ファイル.bin': 5_000,
  'notes with spaces.txt': 333,
  'docs/guide.md': 4_096,
  'docs/spec v2.pdf': 70_001,
  'docs/img/logo.png': 12_345,
  'docs/img/photo-1.jpg': 180_000,
  'docs/img/photo-2.jpg': 1_500_000,
  'data/2024/01/sales.csv': 9_999,
  'data/2024/01/costs.csv': 8_192,
  'data/2024/02/sales.csv': 10_001,
  'data/2024/02/costs.csv': 1,
  'data/2024/summary.json': 777,
  'data/2025/01/sales.csv': 65_536,
  'data/2025/01/.keep': 0,
  'data/raw/log-1.txt': 2_048,
  'data/raw/log-2.txt': 2_049,
  'data/raw/log-3.txt': 100_000,
  'src/main.ts': 3_000,
  'src/lib/util.ts': 1_500,
  'src/lib/deep/deeper/deepest.ts': 640,
  'src/lib/deep/Ωmega.ts': 512,
  'music/café/track 01.flac': 250_000,
  'music/café/track 02.flac': 260_000,
};

/** Every source file's modification time: far from "now", so a copy that loses it shows. */
export const SOURCE_MTIME = new Date('2023-06-01T08:15:30Z');

/** A folder without files: a `dir/` marker on S3, and a folder again after the round trip. */
export const EMPTY_FOLDER = 'archive/empty';

export interface SourceTree {
  root: string;
  /** Relative path -> sha-256 of the bytes written. */
  hashes: Map<string, string>;
  remove(): Promise<void>;
}

/** Writes SOURCE_FILES (random bytes) and EMPTY_FOLDER under a new temporary folder. */
export async function makeSourceTree(prefix = 'dataferry-e2e-src-'): Promise<SourceTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  const hashes = new Map<string, string>();
  for (const [relative, size] of Object.entries(SOURCE_FILES)) {
    const file = path.join(root, ...relative.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    const bytes = randomBytes(size);
    await writeFile(file, bytes);
    await utimes(file, SOURCE_MTIME, SOURCE_MTIME);
    hashes.set(relative, sha256(bytes));
  }
  await mkdir(path.join(root, ...EMPTY_FOLDER.split('/')), { recursive: true });
  return { root, hashes, remove: () => rm(root, { recursive: true, force: true }) };
}

/** The sha-256 (hex) of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Every file under `root` (relative '/' path -> sha-256, and -> modification time in ms) and
 * every folder, walked fully.
 */
export async function readTree(
  root: string,
): Promise<{ files: Map<string, string>; mtimes: Map<string, number>; folders: string[] }> {
  const files = new Map<string, string>();
  const mtimes = new Map<string, number>();
  const folders: string[] = [];
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        folders.push(child);
        await walk(full, child);
      } else {
        files.set(child, sha256(await readFile(full)));
        mtimes.set(child, (await stat(full)).mtimeMs);
      }
    }
  };
  await walk(root, '');
  return { files, mtimes, folders: folders.sort() };
}

/** The names directly inside `folder` ('' for the root) of a set of relative file paths. */
export function childrenOf(paths: Iterable<string>, folder: string): string[] {
  const prefix = folder === '' ? '' : `${folder}/`;
  const names = new Set<string>();
  for (const p of paths) {
    if (!p.startsWith(prefix)) continue;
    const rest = p.slice(prefix.length);
    if (rest !== '') names.add(rest.split('/')[0] as string);
  }
  return [...names].sort();
}
