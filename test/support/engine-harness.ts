import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExecutionRunner, type EngineDeps } from '../../src-main/engine/execution-runner';
import type { ExecutionSink } from '../../src-main/engine/run-context';
import { createInlineRunner } from '../../src-main/engine/transfer-runner';
import { WorkerRunner } from '../../src-main/engine/worker-runner';
import { createLocation } from '../../src-main/locations/registry';
import type { Execution, ExecutionProgress, FileResult } from '../../src-shared/model/execution';
import type { LocationConfig } from '../../src-shared/model/location-config';
import { taskOptionsSchema, type TaskOptionsInput } from '../../src-shared/model/task';
import { assertRunAgrees } from './run-agreement';

export interface RecordingSink extends ExecutionSink {
  updates: Execution[];
  progressEvents: ExecutionProgress[];
  received: FileResult[];
  logs: string[];
  /** Sorted paths of the report lines with this action. */
  resultsFor(action: FileResult['action']): string[];
}

/** A sink that keeps everything, for assertions. */
export function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    updates: [],
    progressEvents: [],
    received: [],
    logs: [],
    update: (e) => void sink.updates.push(structuredClone(e)),
    progress: (p) => void sink.progressEvents.push(p),
    results: (batch) => void sink.received.push(...batch),
    log: (level, message) => void sink.logs.push(`${level}: ${message}`),
    resultsFor: (action) =>
      sink.received
        .filter((r) => r.action === action)
        .map((r) => r.path)
        .sort(),
  };
  return sink;
}

export interface RunOptions {
  options?: TaskOptionsInput;
  includes?: string;
  excludes?: string;
  dryRun?: boolean;
  /** 'inline' runs on this thread; 'workers' uses the built worker threads (out/main). */
  runner?: 'inline' | 'workers';
  /** Called once the runner exists, with the ExecutionRunner (to cancel, throttle, kill...). */
  onStart?(runner: ExecutionRunner): void;
  sink?: RecordingSink;
  /** Sees every progress event as it is emitted. */
  onProgress?(progress: ExecutionProgress): void;
  /** Sees every execution update as it is emitted (synchronously, before the phase body). */
  onUpdate?(execution: Execution): void;
  /**
   * After the run, check that its counters, report and destination agree (run-agreement.ts).
   * Default true.
   */
  checkAgreement?: boolean;
}

let counter = 0;

/** Runs one execution between two locations and returns it with what the sink received. */
export async function runExecution(
  source: LocationConfig,
  destination: LocationConfig,
  opts: RunOptions = {},
): Promise<{ execution: Execution; sink: RecordingSink }> {
  const recorder = opts.sink ?? recordingSink();
  const sink: RecordingSink = {
    ...recorder,
    update: (e) => {
      recorder.update(e);
      opts.onUpdate?.(e);
    },
    progress: (p) => {
      recorder.progress(p);
      opts.onProgress?.(p);
    },
  };
  const options = taskOptionsSchema.parse(opts.options ?? {});
  const inline = (opts.runner ?? 'inline') === 'inline';
  const deps: EngineDeps = {
    createLocation,
    prepareInline: inline,
    createRunner: (spec, src, dst) =>
      (opts.runner ?? 'inline') === 'workers'
        ? new WorkerRunner(spec)
        : createInlineRunner(src, dst, spec),
  };
  const runner = new ExecutionRunner(
    {
      executionId: `exec-test-${++counter}`,
      taskId: 'task-test',
      source: { config: source, secrets: {} },
      destination: { config: destination, secrets: {} },
      options,
      includes: opts.includes ?? '',
      excludes: opts.excludes ?? '',
      dryRun: opts.dryRun ?? false,
    },
    sink,
    deps,
  );
  opts.onStart?.(runner);
  const execution = await runner.run();
  if (opts.checkAgreement !== false)
    await assertRunAgrees({
      execution,
      results: recorder.received,
      options,
      destination: { config: destination },
      dryRun: opts.dryRun ?? false,
    });
  return { execution, sink: recorder };
}

export async function tempDir(label: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `dataferry-${label}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const local = (dir: string): LocationConfig => ({ kind: 'local', path: dir });
