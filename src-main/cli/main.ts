import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './cli';

/* The `dataferry` command's entry (built to out/main/cli.js; bin/dataferry.js loads it). */

function version(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  version: version(),
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dataferry: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
