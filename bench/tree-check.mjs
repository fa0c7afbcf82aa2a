// The check of a copied real tree (not a benchmark itself: run.mjs runs only *.bench.mjs): the
// destination must hold the source's folders, regular files (same sizes) and symbolic links
// (same targets), nothing else, and a sample of the files must have the same SHA-256.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Everything under `root`, not following links: relative path -> 'dir' | 'file SIZE' |
 * 'link TARGET' | 'other'.
 */
export function snapshot(root, prefix = '', out = new Map()) {
  for (const entry of readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(root, rel);
    if (entry.isDirectory()) {
      out.set(rel, 'dir');
      snapshot(root, rel, out);
    } else if (entry.isFile()) out.set(rel, `file ${statSync(full).size}`);
    else if (entry.isSymbolicLink()) out.set(rel, `link ${readlinkSync(full)}`);
    else out.set(rel, 'other');
  }
  return out;
}

/** How many of each kind a snapshot holds: { files, links, dirs, other }. */
export function census(snap) {
  const counts = { files: 0, links: 0, dirs: 0, other: 0 };
  for (const what of snap.values()) {
    if (what === 'dir') counts.dirs++;
    else if (what.startsWith('file ')) counts.files++;
    else if (what.startsWith('link ')) counts.links++;
    else counts.other++;
  }
  return counts;
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Throws unless `dst` holds exactly what `expected` (the source's snapshot) lists, and `samples`
 * files spread evenly over the source (sorted by path) have the same SHA-256 in `dst` as in `src`.
 * Returns how many files were compared by checksum.
 */
export function checkTree(src, expected, dst, samples = 50) {
  const actual = snapshot(dst);
  const problems = [];
  for (const [rel, what] of expected) {
    const got = actual.get(rel);
    if (got === undefined) problems.push(`missing ${rel} (${what})`);
    else if (got !== what) problems.push(`${rel} is ${got}, not ${what}`);
  }
  for (const rel of actual.keys())
    if (!expected.has(rel)) problems.push(`extra ${rel} (${actual.get(rel)})`);
  if (problems.length)
    throw new Error(
      `wrong tree in ${dst}: ${problems.length} differences, such as ${problems.slice(0, 3).join('; ')}`,
    );
  const files = [...expected.keys()].filter((rel) => expected.get(rel).startsWith('file ')).sort();
  const step = Math.max(1, Math.floor(files.length / samples));
  let compared = 0;
  for (let i = 0; i < files.length; i += step) {
    if (sha256(path.join(src, files[i])) !== sha256(path.join(dst, files[i])))
      throw new Error(`wrong content in ${dst}/${files[i]} (SHA-256 differs from the source)`);
    compared++;
  }
  return compared;
}
