// The data sets and result checks the transfer benchmarks share (not a benchmark itself:
// run.mjs runs only *.bench.mjs).
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The real `dataferry` command, as a user runs it (after `npm run build`). */
export const BIN = path.join(repo, 'bin', 'dataferry.js');
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const BIG_MIB = Number(process.env.BENCH_BIG_MIB ?? 1024);

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** A line on stderr while a benchmark runs (the report goes to stdout). */
export const progress = (text) => process.stderr.write(`  ${text}\n`);

/** Size of each file of the small set. */
export const FILE_SIZE = 4096;

/** File i of the small set: distinct content. */
export function smallContent(i) {
  const buf = Buffer.alloc(FILE_SIZE, i % 251);
  buf.write(`file ${i}\n`);
  return buf;
}

/** Where file i of the small set lives: 1000 to a folder. */
export const smallPath = (i) => `d${Math.floor(i / 1000)}/f${i}.dat`;

/** Every file under `dir`: relative path -> size (an absent folder is empty). */
export function walk(dir, prefix = '', out = new Map()) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(path.join(dir, entry.name), rel, out);
    else out.set(rel, statSync(path.join(dir, entry.name)).size);
  }
  return out;
}

/** `length` bytes of a file from `start`. */
export function readRange(file, start, length) {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, start);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/**
 * Throws unless a listing (relative path -> size) is exactly the expected one: a leftover
 * temporary counts as wrong. `where` names it in the message.
 */
export function compareListing(actual, expected, where) {
  let missing = 0;
  let wrongSize = 0;
  let bytes = 0;
  for (const [rel, size] of expected) {
    if (!actual.has(rel)) missing++;
    else if (actual.get(rel) !== size) wrongSize++;
  }
  for (const size of actual.values()) bytes += size;
  const extra = [...actual.keys()].filter((rel) => !expected.has(rel));
  const wantBytes = [...expected.values()].reduce((a, b) => a + b, 0);
  if (missing || wrongSize || extra.length || bytes !== wantBytes)
    throw new Error(
      `wrong result in ${where}: ${actual.size} of ${expected.size} entries, ` +
        `${bytes} of ${wantBytes} bytes (${missing} missing, ${extra.length} extra` +
        `${extra.length ? ` such as ${extra[0]}` : ''}, ${wrongSize} wrong size)`,
    );
}
