// Runs the benchmarks in bench/ and prints their reports. Each benchmark compares DataFerry with
// the tool a user would otherwise pick, on the same data in the same run, as a ratio (lower is
// better for times); absolute timings on a shared machine mean little.
//
//   node bench/run.mjs          the targets table (targets.bench.mjs) first, then every other
//                               *.bench.mjs in name order (what `npm run bench` runs after the
//                               build)
//   node bench/run.mjs NAME     only the benchmarks whose file name contains NAME, e.g.
//                               `targets` for the targets table alone
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIRST = 'targets.bench.mjs';
const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort((a, b) => (a === FIRST ? -1 : b === FIRST ? 1 : a.localeCompare(b)));
for (const file of files) {
  if (only && !file.includes(only)) continue;
  const { run } = await import(pathToFileURL(path.join(here, file)).href);
  console.log(`\n== ${file}`);
  try {
    await run();
  } catch (err) {
    // A missing tool or server stops the whole run, with what to install.
    console.error(`${file} stopped: ${err.message}`);
    process.exit(1);
  }
}
