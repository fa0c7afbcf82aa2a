import { AppError } from '../../src-shared/errors';
import type { ExecutionProgress, ExecutionRecord } from '../../src-shared/model/execution';
import { EventBus } from '../events/event-bus';
import { describeLocation } from '../locations/describe-location';
import { openLocation } from '../locations/open-location';
import { createAppServices, type AppServices } from '../services/app-services';
import { defaultDataDir } from '../services/data-dir';
import { createFileKeySecretBox } from '../store/secret-box';
import { parseCommandLine, UsageError, USAGE, type Command } from './cli-args';
import { parseLocationUrl } from './location-url';
import { progressLine } from './progress-bar';

export const EXIT = { success: 0, error: 1, usage: 2, cancelled: 3 } as const;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  version: string;
  /** Registers the Ctrl-C handler; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
}

/** Runs one `dataferry` command and resolves with its exit code. Never rejects. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv, io.env);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`dataferry: ${error.message}\nRun "dataferry --help" for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (command.name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.success;
  }
  if (command.name === 'version') {
    io.stdout.write(`dataferry ${io.version}\n`);
    return EXIT.success;
  }
  let services: AppServices | null = null;
  try {
    const dataDir = defaultDataDir(io.env);
    const bus = new EventBus();
    services = createAppServices({
      dataDir,
      secretBox: createFileKeySecretBox(dataDir),
      bus,
      schedule: false,
      log: (message) => io.stderr.write(`dataferry: ${message}\n`),
      // --io-timeout and --retry-for hold for the executions this process runs.
      // No UI here: blocking I/O and PREPARING on the main thread cost less than a thread.
      engine: {
        mainThreadMayBlock: true,
        ...('limits' in command ? { limits: command.limits } : {}),
      },
    });
    return await execute(command, services, bus, io);
  } catch (error) {
    const message =
      error instanceof AppError
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
    io.stderr.write(`dataferry: ${message}\n`);
    return error instanceof AppError && error.code === 'invalid-input' ? EXIT.usage : EXIT.error;
  } finally {
    await services?.close();
  }
}

async function execute(
  command: Command,
  services: AppServices,
  bus: EventBus,
  io: CliIo,
): Promise<number> {
  switch (command.name) {
    case 'run-adhoc': {
      const source = parseLocationUrl(command.from, io.env);
      const destination = parseLocationUrl(command.to, io.env);
      // Kinds that cannot be used yet fail here, before anything is recorded.
      await (await openLocation(source.config, source.secrets)).close();
      await (await openLocation(destination.config, destination.secrets)).close();
      const record = services.executions.start({
        taskId: null,
        taskName: `${describeLocation(source.config)} -> ${describeLocation(destination.config)}`,
        source,
        destination,
        options: command.options,
        includes: command.includes,
        excludes: command.excludes,
        dryRun: command.dryRun,
      });
      return follow(record, services, bus, io, command.json);
    }
    case 'run-task': {
      const task = services.tasks.find(command.task);
      return follow(services.tasks.start(task.id), services, bus, io, command.json);
    }
    case 'tasks-list': {
      const tasks = services.tasks.list();
      if (command.json) io.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
      else if (tasks.length === 0) io.stdout.write('No tasks yet.\n');
      else
        for (const t of tasks)
          io.stdout.write(
            `${t.id}  ${t.name}${t.schedule?.enabled ? `  (cron ${t.schedule.cron})` : ''}\n`,
          );
      return EXIT.success;
    }
    case 'executions-list': {
      const taskId = command.task ? services.tasks.find(command.task).id : undefined;
      const list = services.store.executions.list({
        ...(taskId ? { taskId } : {}),
        limit: command.limit,
      });
      if (command.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      else if (list.length === 0) io.stdout.write('No executions yet.\n');
      else
        for (const e of list)
          io.stdout.write(
            `${e.id}  ${new Date(e.startTime).toISOString()}  ${e.status.padEnd(9)}  ${e.counters.FilesTransferred} files  ${e.taskName}\n`,
          );
      return EXIT.success;
    }
    case 'executions-show': {
      const record = services.store.executions.get(command.id);
      io.stdout.write(command.json ? `${JSON.stringify(record, null, 2)}\n` : summary(record));
      return EXIT.success;
    }
    case 'report': {
      if (command.output) {
        await services.executions.exportReportToFile(command.id, command.format, command.output);
        io.stderr.write(`dataferry: report written to ${command.output}\n`);
      } else {
        await services.executions.exportReport(command.id, command.format, io.stdout as never);
      }
      return EXIT.success;
    }
    default:
      return EXIT.usage;
  }
}

async function follow(
  record: ExecutionRecord,
  services: AppServices,
  bus: EventBus,
  io: CliIo,
  json: boolean,
): Promise<number> {
  const tty = io.stderr.isTTY === true;
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\ndataferry: cancelling (press Ctrl-C again to quit at once)\n');
      services.executions.cancel(record.id);
    } else {
      process.exit(130);
    }
  });
  const unsubscribe = bus.subscribe((event, payload) => {
    if (event !== 'execution:progress' || !tty) return;
    const progress = payload as ExecutionProgress;
    if (progress.executionId !== record.id) return;
    io.stderr.write(`\r${progressLine(progress, io.stderr.columns ?? 100)}\x1b[K`);
  });
  try {
    const final = await services.executions.whenFinished(record.id);
    if (tty) io.stderr.write('\r\x1b[K');
    if (json) io.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    else io.stdout.write(summary(final, runNotes(services, final.id)));
    return final.status === 'SUCCESS'
      ? EXIT.success
      : final.status === 'CANCELLED'
        ? EXIT.cancelled
        : EXIT.error;
  } finally {
    unsubscribe();
    removeInterrupt();
  }
}

/**
 * The summary's files line: every files counter by the name of its report action, so the line,
 * the counters and the report agree (test/support/run-agreement.ts reads it back).
 */
export function filesLine(c: ExecutionRecord['counters']): string {
  const deleted =
    c.FilesNotDeleted > 0
      ? `${c.FilesDeleted} deleted of ${c.EstimatedFilesToDelete} (${c.FilesNotDeleted} not deleted after errors)`
      : `${c.FilesDeleted} deleted`;
  return [
    `${c.FilesTransferred} transferred of ${c.EstimatedFilesToTransfer}`,
    `${c.FilesMetadataUpdated} metadata updated`,
    `${c.FilesSkipped} skipped`,
    `${c.FilesNotCopied} not copied`,
    deleted,
    `${c.FilesVerified} verified`,
    `${c.FilesFailed} failed`,
  ].join(', ');
}

/** How many of a run's warnings its summary repeats. */
const NOTES_IN_SUMMARY = 3;

/**
 * The first distinct warnings of a run's log (what it could not keep: POSIX modes on SMB, holes
 * on S3...), so that a loss said once in the log is said in the summary too, not only there.
 */
function runNotes(services: AppServices, executionId: string): string[] {
  const notes: string[] = [];
  for (const entry of services.store.executionLog.list(executionId, { limit: 500 })) {
    if (entry.level !== 'warn' || notes.includes(entry.message)) continue;
    notes.push(entry.message);
    if (notes.length === NOTES_IN_SUMMARY) break;
  }
  return notes;
}

function summary(e: ExecutionRecord, notes: readonly string[] = []): string {
  const c = e.counters;
  const phases = Object.entries(e.phases)
    .map(
      ([name, p]) =>
        `${name} ${p.status}${p.durationMs !== null ? ` ${(p.durationMs / 1000).toFixed(1)}s` : ''}`,
    )
    .join(', ');
  const lines = [
    `Execution ${e.id}: ${e.status}`,
    `  ${e.sourceDescription} -> ${e.destinationDescription}`,
    `  phases: ${phases}`,
    `  files: ${filesLine(c)}`,
    `  folders: ${c.FoldersCreated} created, ${c.FoldersUpdated} updated, ${c.FoldersFailed} failed`,
    `  bytes: ${c.BytesWritten} written of ${c.EstimatedBytesToTransfer}, ${c.BytesVerified} verified`,
  ];
  if (e.error) lines.push(`  error: ${e.error.message}`);
  for (const note of notes) lines.push(`  note: ${note}`);
  if (c.FilesFailed + c.FilesNotCopied + c.FoldersFailed + c.FilesNotDeleted > 0)
    lines.push(`  report: dataferry report ${e.id} --format csv`);
  return `${lines.join('\n')}\n`;
}
