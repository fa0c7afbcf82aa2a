// Runs every benchmark in bench/ in one go and prints their reports. Each benchmark compares
// DataFerry with the tool a user would otherwise pick, on the same data in the same run, as a
// ratio (lower is better for times); absolute timings on a shared machine mean little.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  const { run } = await import(pathToFileURL(path.join(here, file)).href);
  console.log(`\n== ${file}`);
  await run();
}
