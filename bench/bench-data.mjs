// The data sets and result checks the transfer benchmarks share (not a benchmark itself:
// run.mjs runs only *.bench.mjs).
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

/** Writes files 0..count-1 of the small set under `dir`. */
export function writeSmallSet(dir, count) {
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, smallPath(i));
    if (i % 1000 === 0) mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, smallContent(i));
  }
}

/** The first line of what a failed command (spawn's result) said that looks like the reason. */
export function reason(result) {
  const said = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (
    said.find((l) => /NT_STATUS_|error|fail|denied|cannot|not found/i.test(l)) ?? said[0] ?? ''
  );
}

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

/**
 * The checks of the two data sets (one large file `bigFile` of `bigBytes`, `files` small
 * files): `verify('big' | 'small', dir)` throws unless `dir` holds exactly that set, with the
 * start, middle and end of the large file and three small files equal byte for byte.
 */
export function dataSetChecks(bigFile, bigBytes, files) {
  const spotRanges = [0, Math.floor(bigBytes / 2) - 1000, bigBytes - 65536].map((start) => [
    Math.max(0, start),
    Math.min(65536, bigBytes),
  ]);
  const spotFiles = [0, Math.floor(files / 2), files - 1];
  const checks = {
    big: {
      expected: new Map([['big.bin', bigBytes]]),
      bytes(dir) {
        for (const [start, length] of spotRanges)
          if (
            !readRange(path.join(dir, 'big.bin'), start, length).equals(
              readRange(bigFile, start, length),
            )
          )
            throw new Error(`wrong bytes at ${start} of ${dir}/big.bin`);
      },
    },
    small: {
      expected: new Map(Array.from({ length: files }, (_, i) => [smallPath(i), FILE_SIZE])),
      bytes(dir) {
        for (const i of spotFiles)
          if (!readFileSync(path.join(dir, smallPath(i))).equals(smallContent(i)))
            throw new Error(`wrong content in ${dir}/${smallPath(i)}`);
      },
    },
  };
  return (set, dir) => {
    compareListing(walk(dir), checks[set].expected, dir);
    checks[set].bytes(dir);
  };
}

/**
 * Runs each case RUNS times per tool, the tools taking turns, and keeps the median time (and
 * of VERIFYING) per tool in `results[case][tool]`, or the first error a tool hit (it is not
 * run again for that case; the others go on). `runOne(tool, n)` resolves with { ms, verifyMs? }.
 */
export function medianRunner(toolNames) {
  let counter = 0;
  const results = {}; // case -> tool -> { ms, verifyMs } | { error }
  async function measure(caseName, runOne) {
    const samples = Object.fromEntries(toolNames.map((t) => [t, []]));
    const errors = {};
    for (let i = 0; i < RUNS; i++) {
      for (const tool of toolNames) {
        if (errors[tool]) continue;
        try {
          const sample = await runOne(tool, ++counter);
          samples[tool].push(sample);
          progress(`${caseName}: ${tool} ${(sample.ms / 1000).toFixed(2)} s`);
        } catch (err) {
          errors[tool] = err.message.split('\n')[0].slice(0, 240);
          progress(`${caseName}: ${tool} FAILED: ${errors[tool]}`);
        }
      }
    }
    results[caseName] = Object.fromEntries(
      toolNames.map((t) => [
        t,
        errors[t]
          ? { error: errors[t] }
          : {
              ms: median(samples[t].map((s) => s.ms)),
              verifyMs: median(samples[t].map((s) => s.verifyMs ?? 0)),
            },
      ]),
    );
  }
  return { measure, results };
}
