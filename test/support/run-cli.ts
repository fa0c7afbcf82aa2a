import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseLocationUrl } from '../../src-main/cli/location-url';
import type { Execution, FileResult } from '../../src-shared/model/execution';
import { zeroCounters } from '../../src-shared/model/execution';
import type { TaskOptions } from '../../src-shared/model/task';
import { assertRunAgrees } from './run-agreement';

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
  /**
   * After a `dataferry run` that finished, check that its summary, counters, report and
   * destination agree (run-agreement.ts). Default true.
   */
  checkAgreement?: boolean;
}

/**
 * Runs `dataferry ARGS` to the end and collects its output. Never rejects on the command's own
 * failure; after a `run` that printed its outcome, rejects when the run's summary, counters,
 * report and destination disagree (assertRunAgrees).
 */
export async function runCli(args: string[], options: CliOptions): Promise<CliRun> {
  const env = { ...process.env, DATAFERRY_DATA_DIR: options.dataDir, ...options.env };
  const result = await new Promise<CliRun>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    options.onSpawn?.(child);
  });
  if (args[0] === 'run' && options.checkAgreement !== false)
    await checkRun(args, result, options.dataDir, env);
  return result;
}

/** The execution a `run` printed (summary or --json), checked against its history and disk. */
async function checkRun(
  args: string[],
  result: CliRun,
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const json = args.includes('--json');
  const id = json ? jsonId(result.stdout) : /^Execution (\S+): \w+$/m.exec(result.stdout)?.[1];
  const file = path.join(dataDir, 'dataferry.db');
  if (!id || !existsSync(file)) return; // killed, or refused before it started
  const recorded = readRun(file, id);
  if (!recorded) return;
  const to = args[args.indexOf('--to') + 1];
  let destination: Parameters<typeof assertRunAgrees>[0]['destination'];
  if (args.includes('--to') && to) {
    try {
      const parsed = parseLocationUrl(to, env);
      destination = { config: parsed.config, secrets: parsed.secrets };
    } catch {
      destination = undefined;
    }
  }
  await assertRunAgrees({
    ...recorded,
    ...(json ? {} : { summary: result.stdout }),
    ...(destination ? { destination } : {}),
    dryRun: args.includes('--dry-run'),
  });
}

function jsonId(stdout: string): string | undefined {
  try {
    const parsed = JSON.parse(stdout) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

/** The execution's status, counters, options and report, read-only from its history. */
function readRun(
  file: string,
  id: string,
): {
  execution: Pick<Execution, 'status' | 'counters'>;
  options: TaskOptions | null;
  results: FileResult[];
} | null {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const row = db
      .prepare('SELECT status, counters, options FROM executions WHERE id = ?')
      .get(id) as
      { status: Execution['status']; counters: string; options: string | null } | undefined;
    if (!row) return null;
    const results = db
      .prepare(
        'SELECT path, action, size, source_checksum, destination_checksum, detail, error_code, at FROM file_results WHERE execution_id = ? ORDER BY seq',
      )
      .all(id)
      .map((r) => {
        const line = r as Record<string, unknown>;
        return {
          path: String(line.path),
          action: line.action as FileResult['action'],
          size: Number(line.size),
          sourceChecksum: (line.source_checksum as string | null) ?? null,
          destinationChecksum: (line.destination_checksum as string | null) ?? null,
          detail: (line.detail as string | null) ?? null,
          errorCode: (line.error_code as string | null) ?? null,
          at: Number(line.at),
        };
      });
    return {
      execution: {
        status: row.status,
        counters: { ...zeroCounters(), ...(JSON.parse(row.counters) as Execution['counters']) },
      },
      options: row.options === null ? null : (JSON.parse(row.options) as TaskOptions),
      results,
    };
  } finally {
    db.close();
  }
}
