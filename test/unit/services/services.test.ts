import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src-main/events/event-bus';
import { createHandlers } from '../../../src-main/handlers/create-handlers';
import { dispatch } from '../../../src-main/handlers/dispatch';
import { createAppServices, type AppServices } from '../../../src-main/services/app-services';
import { createFileKeySecretBox } from '../../../src-main/store/secret-box';
import type { AppInfo } from '../../../src-shared/model/app-info';
import type { ExecutionProgress, ExecutionRecord } from '../../../src-shared/model/execution';
import { tempDir } from '../../support/engine-harness';

// The services behind the contract, called through dispatch exactly as the UI calls them.

let services: AppServices;
let bus: EventBus;
let dirs: { dir: string; remove(): Promise<void> }[];
let call: (
  channel: string,
  request: unknown,
) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;

beforeEach(async () => {
  dirs = await Promise.all([tempDir('svc-data'), tempDir('svc-src'), tempDir('svc-dst')]);
  bus = new EventBus();
  const dataDir = (dirs[0] as { dir: string }).dir;
  services = createAppServices({
    dataDir,
    secretBox: createFileKeySecretBox(dataDir),
    bus,
    schedule: false,
    log: () => undefined,
  });
  const handlers = createHandlers({ appInfo: {} as AppInfo, services });
  call = (channel, request) =>
    dispatch(handlers, channel, request, { error: () => undefined }) as never;
});

afterEach(async () => {
  await services.close();
  for (const d of dirs) await d.remove();
});

const srcDir = (): string => (dirs[1] as { dir: string }).dir;
const dstDir = (): string => (dirs[2] as { dir: string }).dir;

async function saveTask(options: Record<string, unknown> = {}): Promise<string> {
  const a = (
    await call('locations:create', { name: 'src', config: { kind: 'local', path: srcDir() } })
  ).value as { id: string };
  const b = (
    await call('locations:create', { name: 'dst', config: { kind: 'local', path: dstDir() } })
  ).value as { id: string };
  const task = await call('tasks:create', {
    name: 'copy',
    sourceLocationId: a.id,
    destinationLocationId: b.id,
    options,
  });
  expect(task.ok, task.error?.message).toBe(true);
  return (task.value as { id: string }).id;
}

describe('services over the contract', () => {
  it('never sends a saved secret back', async () => {
    const created = await call('locations:create', {
      name: 'nas',
      config: { kind: 'smb', server: '127.0.0.1', share: 'data', user: 'ana' },
      secrets: { password: 'pa55word-do-not-leak' },
    });
    expect(created.ok).toBe(true);
    const everything = JSON.stringify([
      created,
      await call('locations:list', {}),
      await call('locations:get', { id: (created.value as { id: string }).id }),
    ]);
    expect(everything).not.toContain('pa55word-do-not-leak');
    expect(everything).toContain('"secretsSet":["password"]');
  });

  it('refuses invalid tasks with reasons, and deleting a location a task uses', async () => {
    const a = (
      await call('locations:create', { name: 'a', config: { kind: 'local', path: srcDir() } })
    ).value as { id: string };
    const same = await call('tasks:create', {
      name: 't',
      sourceLocationId: a.id,
      destinationLocationId: a.id,
    });
    expect(same.error?.message).toContain('must be different locations');
    const b = (
      await call('locations:create', { name: 'b', config: { kind: 'local', path: dstDir() } })
    ).value as { id: string };
    const conflict = await call('tasks:create', {
      name: 't',
      sourceLocationId: a.id,
      destinationLocationId: b.id,
      options: { PreserveDeletedFiles: 'REMOVE', TransferMode: 'ALL' },
    });
    expect(conflict.error?.code).toBe('invalid-input');
    expect(conflict.error?.message).toContain(
      'PreserveDeletedFiles=REMOVE needs TransferMode=CHANGED',
    );
    const badCron = await call('tasks:create', {
      name: 't',
      sourceLocationId: a.id,
      destinationLocationId: b.id,
      schedule: { cron: 'every tuesday' },
    });
    expect(badCron.error?.message).toContain('Invalid schedule "every tuesday"');
    const ok = await call('tasks:create', {
      name: 't',
      sourceLocationId: a.id,
      destinationLocationId: b.id,
      schedule: { cron: '*/5 * * * *' },
    });
    expect(ok.ok).toBe(true);
    const inUse = await call('locations:delete', { id: a.id });
    expect(inUse.error?.message).toContain('is used by task');
  });

  it('shows the next run times of a schedule', async () => {
    const runs = (await call('tasks:next-runs', { cron: '0 3 * * *', count: 3 })).value as number[];
    expect(runs).toHaveLength(3);
    for (const r of runs) expect(new Date(r).getMinutes()).toBe(0);
    expect(runs[1]! - runs[0]!).toBe(24 * 3600 * 1000);
  });

  it('runs a task, pushes progress and updates, and keeps its report', async () => {
    await writeFile(path.join(srcDir(), 'a.txt'), 'aaa');
    await mkdir(path.join(srcDir(), 'd'));
    await writeFile(path.join(srcDir(), 'd/b.txt'), 'bb');
    const taskId = await saveTask();
    const updates: ExecutionRecord[] = [];
    const progress: ExecutionProgress[] = [];
    bus.subscribe((event, payload) => {
      if (event === 'execution:updated') updates.push(payload as ExecutionRecord);
      if (event === 'execution:progress') progress.push(payload as ExecutionProgress);
    });
    const started = (await call('executions:start', { taskId })).value as ExecutionRecord;
    const done = await services.executions.whenFinished(started.id);
    expect(done.status).toBe('SUCCESS');
    expect(done.counters.FilesTransferred).toBe(2);
    expect(updates.at(-1)?.status).toBe('SUCCESS');
    expect(progress.length).toBeGreaterThan(0);
    const report = (await call('executions:report', { id: started.id, action: 'transferred' }))
      .value as { total: number; items: { path: string }[] };
    expect(report.total).toBe(2);
    expect(report.items.map((i) => i.path).sort()).toEqual(['a.txt', 'd/b.txt']);
    const log = (await call('executions:log', { id: started.id })).value as { message: string }[];
    expect(log.map((l) => l.message).join('\n')).toContain('TRANSFERRING started');
  });

  it('queues a second start when TaskQueueing is ENABLED, and refuses it when DISABLED', async () => {
    await writeFile(path.join(srcDir(), 'big.bin'), Buffer.alloc(1024 * 1024));
    const queued = await saveTask({ BytesPerSecond: 512 * 1024 });
    const first = (await call('executions:start', { taskId: queued })).value as ExecutionRecord;
    const second = (await call('executions:start', { taskId: queued })).value as ExecutionRecord;
    expect(second.status).toBe('QUEUED');
    await call('executions:set-bandwidth', { id: first.id, bytesPerSecond: -1 });
    expect((await services.executions.whenFinished(first.id)).status).toBe('SUCCESS');
    expect((await services.executions.whenFinished(second.id)).status).toBe('SUCCESS');

    const a = (await call('locations:list', {})).value as { id: string }[];
    const strict = await call('tasks:create', {
      name: 'strict',
      sourceLocationId: a[0]!.id,
      destinationLocationId: a[1]!.id,
      options: { TaskQueueing: 'DISABLED', BytesPerSecond: 256 * 1024, TransferMode: 'ALL' },
    });
    const strictId = (strict.value as { id: string }).id;
    const running = (await call('executions:start', { taskId: strictId })).value as ExecutionRecord;
    const refused = await call('executions:start', { taskId: strictId });
    expect(refused.error?.code).toBe('already-exists');
    expect(refused.error?.message).toContain('TaskQueueing is DISABLED');
    const cancelled = await call('executions:cancel', { id: running.id });
    expect(cancelled.ok).toBe(true);
    expect((await services.executions.whenFinished(running.id)).status).toBe('CANCELLED');
  });

  it('starts scheduled tasks while it runs, and stops when the schedule is turned off', async () => {
    await services.close();
    const dataDir = (dirs[0] as { dir: string }).dir;
    services = createAppServices({
      dataDir,
      secretBox: createFileKeySecretBox(dataDir),
      bus,
      schedule: true,
      log: () => undefined,
    });
    const handlers = createHandlers({ appInfo: {} as AppInfo, services });
    call = (channel, request) =>
      dispatch(handlers, channel, request, { error: () => undefined }) as never;
    await writeFile(path.join(srcDir(), 'a.txt'), 'a');
    const a = (
      await call('locations:create', { name: 's', config: { kind: 'local', path: srcDir() } })
    ).value as { id: string };
    const b = (
      await call('locations:create', { name: 'd', config: { kind: 'local', path: dstDir() } })
    ).value as { id: string };
    const started = new Promise<ExecutionRecord>((resolve) =>
      bus.subscribe((event, payload) => {
        if (event === 'execution:updated') resolve(payload as ExecutionRecord);
      }),
    );
    // Every second (croner's six-field form): DataSync's one-hour minimum is the cloud's, not ours.
    const task = (
      await call('tasks:create', {
        name: 'every second',
        sourceLocationId: a.id,
        destinationLocationId: b.id,
        schedule: { cron: '* * * * * *' },
      })
    ).value as { id: string };
    const first = await started;
    expect(first.taskId).toBe(task.id);
    expect((await services.executions.whenFinished(first.id)).status).toBe('SUCCESS');
    await call('tasks:update', {
      id: task.id,
      task: {
        name: 'every second',
        sourceLocationId: a.id,
        destinationLocationId: b.id,
        schedule: { cron: '* * * * * *', enabled: false },
      },
    });
    const countAfterStop = services.store.executions.count({ taskId: task.id });
    await new Promise((r) => setTimeout(r, 2200));
    // At most one start that was already due when the schedule was turned off.
    expect(services.store.executions.count({ taskId: task.id })).toBeLessThanOrEqual(
      countAfterStop + 1,
    );
  });
});
