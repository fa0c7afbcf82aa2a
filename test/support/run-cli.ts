import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// The real `dataferry` command (bin/dataferry.js -> out/main/cli.js), as a user runs it.
const BIN = path.resolve(__dirname, '../../bin/dataferry.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The data folder (history database); every test uses its own. */
  dataDir: string;
  env?: Record<string, string>;
  onSpawn?(child: ChildProcess): void;
}

/** Runs `dataferry ARGS` to the end and collects its output. Never rejects. */
export function runCli(args: string[], options: CliOptions): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATAFERRY_DATA_DIR: options.dataDir, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
