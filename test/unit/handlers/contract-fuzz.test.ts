import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dispatch, type Handlers } from '../../../src-main/handlers/dispatch';
import { CHANNELS, contract, type Channel } from '../../../src-shared/ipc/contract';
import type { Result } from '../../../src-shared/ipc/result';
import { tempDir } from '../../support/engine-harness';
import {
  anyValue,
  applyMutation,
  assertWellFormed,
  DEEP_OBJECT,
  HUGE_STRING,
  mutationOf,
  prototypeObject,
  prototypeSnapshot,
  surelyInvalid,
  within,
  type Mutation,
} from './hostile-values';
import { forbidNetwork, openOfflineRig, type OfflineRig } from './offline-rig';

/*
 * Every contract channel fuzzed through dispatch, on the real services over a temporary data
 * folder, with every way out to a server replaced by one that refuses (offline-rig.ts): generated
 * host names are never resolved or contacted, and a guard makes any socket or DNS lookup fail.
 * Each answer must be a well-formed Result with a known code; a request the schema refuses must
 * answer invalid-input; nothing may throw, hang, leak a stack trace or touch a prototype.
 */

const RUNS_PER_CHANNEL = 400;
const CALL_LIMIT_MS = 20_000;

let rig: OfflineRig;
let scratch: { dir: string; remove(): Promise<void> };
let network: { attempts: string[] };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
let prototypesBefore = '';

/** Ids and texts the valid requests refer to, made in beforeAll. */
const fixture = {
  folder: '',
  sourceId: '',
  destinationId: '',
  spareId: '',
  taskId: '',
  executionId: '',
  preset: '',
};

const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
const server = fc.oneof(fc.domain(), fc.ipV4(), fc.constantFrom('nas.invalid', 'localhost'));

/**
 * Requests the schema accepts, per channel (the compiler insists on every channel). Their answers
 * may still be errors (not-found, unavailable from the offline locations...), never a refusal of
 * the request's shape.
 */
function validRequests(): { [C in Channel]: fc.Arbitrary<unknown> } {
  const f = fixture;
  const smbConfig = fc.record({
    kind: fc.constant('smb'),
    server,
    share: fc.constantFrom('data', 'team$'),
    user: name,
  });
  const objectStorage = fc.record({
    kind: fc.constant('object-storage'),
    server,
    bucket: fc.constantFrom('photos', 'b'),
    protocol: fc.constantFrom('HTTP', 'HTTPS'),
    accessKeyId: fc.constantFrom('', 'AKIAFUZZ'),
  });
  const configs = fc.oneof(
    fc.record({ kind: fc.constant('local'), path: fc.constant(f.folder) }),
    smbConfig,
    objectStorage,
    fc.record({ kind: fc.constant('nfs'), server, export: fc.constantFrom('/exports', '/') }),
    fc.record({
      kind: fc.constant('s3'),
      bucket: fc.constantFrom('my-bucket', 'abc'),
      credentials: fc.constant('keys'),
      accessKeyId: fc.constant('AKIAFUZZ'),
    }),
    fc.record({ kind: fc.constant('memory'), name }),
  );
  const secrets = fc.record(
    { password: fc.string({ maxLength: 30 }), secretAccessKey: fc.string({ maxLength: 30 }) },
    { requiredKeys: [] },
  );
  const paging = { limit: fc.integer({ min: 1, max: 10_000 }), offset: fc.nat() };
  const anyId = fc.constantFrom(f.sourceId, f.destinationId, f.spareId, f.taskId, 'missing-id');
  const taskInput = fc.record(
    {
      name,
      sourceLocationId: fc.constantFrom(f.sourceId, 'missing-id'),
      destinationLocationId: fc.constantFrom(f.destinationId, f.sourceId),
      options: fc.record(
        {
          VerifyMode: fc.constantFrom('NONE', 'POINT_IN_TIME_CONSISTENT'),
          TransferMode: fc.constantFrom('CHANGED', 'ALL'),
          Parallelism: fc.integer({ min: 1, max: 64 }),
        },
        { requiredKeys: [] },
      ),
      includes: fc.string({ maxLength: 30 }),
      excludes: fc.string({ maxLength: 30 }),
      schedule: fc.option(
        fc.record({ cron: fc.oneof(fc.constant('0 3 * * *'), fc.string({ minLength: 1 })) }),
      ),
    },
    { requiredKeys: ['name', 'sourceLocationId', 'destinationLocationId'] },
  );
  const target = fc.oneof(
    fc.record({ id: anyId }),
    fc.record({ config: configs, secrets }, { requiredKeys: ['config'] }),
    fc.record({ id: anyId, config: configs }),
  );
  const execution = fc.constantFrom(f.executionId, 'missing-id');
  return {
    'app:info': fc.constant({}),
    'fs:list': fc.record(
      {
        path: fc.oneof(
          fc.constant(f.folder),
          fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes('\0')),
          fc.string({ maxLength: 30 }).map((s) => path.join(f.folder, s.replace(/\0/g, ''))),
        ),
        showHidden: fc.boolean(),
      },
      { requiredKeys: ['path'] },
    ),
    'locations:list': fc.constant({}),
    'locations:get': fc.record({ id: anyId }),
    'locations:create': fc.record(
      { name, config: configs, secrets },
      { requiredKeys: ['name', 'config'] },
    ),
    'locations:update': fc.record(
      { id: fc.constantFrom(f.spareId, 'missing-id'), name, config: configs, secrets },
      { requiredKeys: ['id'] },
    ),
    'locations:delete': fc.record({ id: fc.constant('missing-id') }),
    'locations:derive': fc.record({
      id: anyId,
      path: fc.oneof(
        fc.constantFrom('sub', 'a/b', '..', '../x', '/abs'),
        fc.string({ minLength: 1 }),
      ),
    }),
    'locations:test': target,
    'locations:browse': fc.record(
      { target, path: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })) },
      { requiredKeys: ['target'] },
    ),
    'locations:buckets': fc.record(
      {
        config: fc.oneof(
          objectStorage.map((c) => ({ ...c, bucket: '' })),
          fc.constant({ kind: 's3', bucket: '', credentials: 'keys', accessKeyId: 'AKIAFUZZ' }),
        ),
        secrets,
        id: fc.option(anyId, { nil: undefined }),
      },
      { requiredKeys: ['config'] },
    ),
    'locations:exports': fc.record(
      { server, mountPort: fc.integer({ min: 0, max: 65535 }) },
      { requiredKeys: ['server'] },
    ),
    'tasks:list': fc.constant({}),
    'tasks:get': fc.record({ id: anyId }),
    'tasks:create': taskInput,
    'tasks:update': fc.record({ id: fc.constantFrom(f.taskId, 'missing-id'), task: taskInput }),
    'tasks:delete': fc.record({ id: fc.constant('missing-id') }),
    'tasks:preview-filter': fc.record(
      {
        sourceLocationId: fc.constantFrom(f.sourceId, 'missing-id'),
        includes: fc.string({ maxLength: 40 }),
        excludes: fc.string({ maxLength: 40 }),
        limit: fc.integer({ min: 1, max: 1_000_000 }),
      },
      { requiredKeys: ['sourceLocationId'] },
    ),
    'tasks:next-runs': fc.record(
      {
        cron: fc.oneof(
          fc.constantFrom('0 3 * * *', '*/5 * * * * *', '0 0 31 2 *', '@yearly'),
          fc.string({ minLength: 1, maxLength: 200 }),
        ),
        count: fc.integer({ min: 1, max: 50 }),
      },
      { requiredKeys: ['cron'] },
    ),
    'executions:list': fc.record(
      { taskId: fc.constantFrom(f.taskId, 'missing-id'), ...paging },
      { requiredKeys: [] },
    ),
    'executions:get': fc.record({ id: execution }),
    'executions:start': fc.record({ taskId: fc.constantFrom(f.taskId, 'missing-id') }),
    'executions:cancel': fc.record({ id: execution }),
    'executions:set-bandwidth': fc.record({
      id: execution,
      bytesPerSecond: fc.oneof(fc.constant(-1), fc.integer({ min: 1024 })),
    }),
    'executions:report': fc.record(
      {
        id: execution,
        action: fc.constantFrom('transferred', 'skipped', 'deleted', 'verified', 'failed'),
        onlyErrors: fc.boolean(),
        search: fc.string({ maxLength: 40 }),
        ...paging,
      },
      { requiredKeys: ['id'] },
    ),
    'executions:export-report': fc.record(
      {
        id: execution,
        format: fc.constantFrom('json', 'csv'),
        onlyErrors: fc.boolean(),
        search: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: ['id', 'format'] },
    ),
    'executions:log': fc.record({ id: execution, ...paging }, { requiredKeys: ['id'] }),
    'presets:export': fc.record({ id: fc.constantFrom(f.taskId, 'missing-id') }),
    'presets:import': fc.record({
      content: fc.oneof(fc.constant(f.preset), fc.string({ maxLength: 100 })),
    }),
    'dialog:pick-folder': fc.record({ title: fc.string({ maxLength: 200 }) }, { requiredKeys: [] }),
  };
}

/** One concrete valid request per channel, the base that mutations spoil. */
function baseRequests(): Record<Channel, unknown> {
  const f = fixture;
  return {
    'app:info': {},
    'fs:list': { path: f.folder, showHidden: true },
    'locations:list': {},
    'locations:get': { id: f.sourceId },
    'locations:create': {
      name: 'Fuzzed NAS',
      config: { kind: 'smb', server: 'nas.invalid', share: 'data', user: 'ana', path: 'x' },
      secrets: { password: 'pw' },
    },
    'locations:update': { id: f.spareId, name: 'Spare', config: { kind: 'local', path: f.folder } },
    'locations:delete': { id: 'missing-id' },
    'locations:derive': { id: f.sourceId, path: 'sub/folder' },
    'locations:test': {
      id: f.spareId,
      config: { kind: 'object-storage', server: 'minio.invalid', bucket: 'b', port: 9000 },
      secrets: { secretAccessKey: 'k' },
    },
    'locations:browse': { target: { id: f.sourceId }, path: 'sub' },
    'locations:buckets': {
      config: {
        kind: 's3',
        bucket: '',
        region: 'eu-west-1',
        credentials: 'keys',
        accessKeyId: 'A',
      },
      secrets: { secretAccessKey: 'k' },
      id: f.spareId,
    },
    'locations:exports': { server: 'nfs.invalid', mountPort: 635 },
    'tasks:list': {},
    'tasks:get': { id: f.taskId },
    'tasks:create': {
      name: 'Fuzzed task',
      sourceLocationId: f.sourceId,
      destinationLocationId: f.destinationId,
      options: { VerifyMode: 'NONE', Parallelism: 2, BytesPerSecond: 4096 },
      includes: '/a|*.pdf',
      excludes: '*.tmp',
      schedule: { cron: '0 3 * * *', enabled: false },
    },
    'tasks:update': {
      id: f.taskId,
      task: {
        name: 'Task',
        sourceLocationId: f.sourceId,
        destinationLocationId: f.destinationId,
        options: { TaskQueueing: 'ENABLED' },
      },
    },
    'tasks:delete': { id: 'missing-id' },
    'tasks:preview-filter': {
      sourceLocationId: f.sourceId,
      includes: '/a',
      excludes: '',
      limit: 10,
    },
    'tasks:next-runs': { cron: '0 3 * * *', count: 3 },
    'executions:list': { taskId: f.taskId, limit: 5, offset: 0 },
    'executions:get': { id: f.executionId },
    'executions:start': { taskId: f.taskId },
    'executions:cancel': { id: f.executionId },
    'executions:set-bandwidth': { id: f.executionId, bytesPerSecond: 2048 },
    'executions:report': {
      id: f.executionId,
      action: 'failed',
      onlyErrors: true,
      search: 'a%_\\',
      limit: 10,
      offset: 0,
    },
    'executions:export-report': { id: f.executionId, format: 'csv', action: 'failed', search: 'x' },
    'executions:log': { id: f.executionId, limit: 10, offset: 0 },
    'presets:export': { id: f.taskId },
    'presets:import': { content: f.preset },
    'dialog:pick-folder': { title: 'Pick' },
  };
}

type Case =
  | { kind: 'arbitrary'; request: unknown }
  | { kind: 'mutated'; mutation: Mutation }
  | { kind: 'valid'; request: unknown };

function cases(channel: Channel): fc.Arbitrary<Case> {
  const base = baseRequests()[channel];
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.jsonValue(), anyValue, prototypeObject)
        .map((request) => ({ kind: 'arbitrary' as const, request })),
    },
    {
      weight: 3,
      arbitrary: mutationOf(base).map((mutation) => ({ kind: 'mutated' as const, mutation })),
    },
    {
      weight: 1,
      arbitrary: validRequests()[channel].map((request) => ({ kind: 'valid' as const, request })),
    },
  );
}

const counts = { invalid: 0, ok: 0, otherErrors: 0 };

async function check(channel: Channel, c: Case): Promise<void> {
  const base = baseRequests()[channel];
  const request = c.kind === 'mutated' ? applyMutation(base, c.mutation) : c.request;
  const label = `${channel} (${c.kind})`;
  const answer: Result<unknown> = await within(rig.call(channel, request), CALL_LIMIT_MS, label);
  assertWellFormed(answer, label);
  const schemaAccepts = contract[channel].request.safeParse(request).success;
  if (!schemaAccepts || (c.kind === 'mutated' && surelyInvalid(c.mutation))) {
    expect(schemaAccepts, `${label}: the schema accepted a surely invalid request`).toBe(false);
    expect(answer.ok, label).toBe(false);
    if (!answer.ok) {
      expect(answer.error.code, label).toBe('invalid-input');
      expect(answer.error.message, label).toContain(`Invalid request for ${channel}`);
    }
    counts.invalid++;
    return;
  }
  if (!answer.ok) {
    // A request that passed the schema is never refused for its shape.
    expect(answer.error.message, label).not.toContain('Invalid request for');
    counts.otherErrors++;
  } else {
    counts.ok++;
  }
}

beforeAll(async () => {
  prototypesBefore = prototypeSnapshot();
  process.on('unhandledRejection', onUnhandled);
  scratch = await tempDir('contract-fuzz');
  fixture.folder = path.join(scratch.dir, 'folder');
  await mkdir(path.join(fixture.folder, 'sub'), { recursive: true });
  await writeFile(path.join(fixture.folder, 'a.txt'), 'hello');
  await writeFile(path.join(fixture.folder, '.hidden'), 'hidden');
  rig = await openOfflineRig();
  const value = async (channel: Channel, request: unknown): Promise<{ id: string }> => {
    const answer = await rig.call(channel, request);
    if (!answer.ok) throw new Error(`${channel}: ${answer.error.message}`);
    return answer.value as { id: string };
  };
  fixture.sourceId = (
    await value('locations:create', {
      name: 'src',
      config: { kind: 'local', path: fixture.folder },
    })
  ).id;
  fixture.destinationId = (
    await value('locations:create', {
      name: 'dst',
      config: { kind: 'smb', server: 'nas.invalid', share: 'data', user: 'ana' },
      secrets: { password: 'pw' },
    })
  ).id;
  fixture.spareId = (
    await value('locations:create', {
      name: 'spare',
      config: { kind: 'object-storage', server: 'minio.invalid', bucket: 'b', accessKeyId: 'AK' },
      secrets: { secretAccessKey: 'sk' },
    })
  ).id;
  fixture.taskId = (
    await value('tasks:create', {
      name: 'Task',
      sourceLocationId: fixture.sourceId,
      destinationLocationId: fixture.destinationId,
    })
  ).id;
  const started = await value('executions:start', { taskId: fixture.taskId });
  fixture.executionId = started.id;
  await rig.services.executions.whenFinished(started.id);
  fixture.preset = (
    (await rig.call('presets:export', { id: fixture.taskId })) as { value: { content: string } }
  ).value.content;
  // Installed last: the fixture itself needs nothing from the network either, but the guard is
  // about what the fuzzed requests do.
  network = forbidNetwork();
});

afterAll(async () => {
  vi.restoreAllMocks();
  process.off('unhandledRejection', onUnhandled);
  await rig?.close();
  await scratch?.remove();
});

describe('every contract channel, fuzzed through dispatch', () => {
  it('has valid and base requests for exactly the contract channels', () => {
    expect(Object.keys(validRequests()).sort()).toEqual([...CHANNELS].sort());
    expect(Object.keys(baseRequests()).sort()).toEqual([...CHANNELS].sort());
  });

  it('starts from base requests the schema accepts', () => {
    for (const channel of CHANNELS) {
      const parsed = contract[channel].request.safeParse(baseRequests()[channel]);
      expect(parsed.success, `${channel}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it.each(CHANNELS)(
    '%s answers every generated request with a well-formed Result',
    async (channel) => {
      await fc.assert(
        fc.asyncProperty(cases(channel), (c) => check(channel, c)),
        { numRuns: RUNS_PER_CHANNEL },
      );
    },
    120_000,
  );

  it('answers unknown and hostile channel names with invalid-input', async () => {
    const channels = fc.oneof(
      fc.string({ maxLength: 120 }).filter((s) => !(CHANNELS as string[]).includes(s)),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', HUGE_STRING),
      anyValue,
      fc.constant(Object.create(null) as unknown),
      fc.constant(DEEP_OBJECT),
    );
    await fc.assert(
      fc.asyncProperty(channels, fc.jsonValue(), async (channel, request) => {
        const answer = await within(rig.call(channel, request), CALL_LIMIT_MS, 'channel');
        assertWellFormed(answer, 'hostile channel');
        expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
        if (!answer.ok) expect(answer.error.message).toMatch(/^Unknown channel: /);
        if (!answer.ok) expect(answer.error.message.length).toBeLessThan(120);
      }),
      { numRuns: 300 },
    );
  });

  it('never rejected, reached no network, and left the prototypes alone', () => {
    expect(unhandled).toEqual([]);
    expect(network.attempts).toEqual([]);
    // No handler failed in a way it did not foresee (dispatch logs every `unknown` answer).
    expect(rig.logged).toEqual([]);
    expect(prototypeSnapshot()).toBe(prototypesBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The valid requests did reach the services: the offline factories were asked.
    expect(rig.reached.locations).toBeGreaterThan(10);
    expect(rig.reached.buckets).toBeGreaterThan(0);
    expect(rig.reached.exports).toBeGreaterThan(0);
    expect(counts.invalid).toBeGreaterThan(CHANNELS.length * 100);
    expect(counts.ok).toBeGreaterThan(CHANNELS.length * 5);
    expect(counts.otherErrors).toBeGreaterThan(0);
  });
});

describe('dispatch with a handler that throws what is not an AppError', () => {
  const throwing = (thrown: unknown): Handlers =>
    ({
      'app:info': () => {
        throw thrown;
      },
    }) as unknown as Handlers;
  const withStack = new Error('disk on fire\n    at secret (/home/u/app.js:1:1)');

  it.each([
    ['a null-prototype object', Object.create(null) as unknown],
    ['an error whose message carries a stack', withStack],
    ['a symbol', Symbol('boom')],
    ['undefined', undefined],
  ])('answers unknown for %s, with one line of text and no stack', async (_what, thrown) => {
    const logged: unknown[] = [];
    const answer = await dispatch(
      throwing(thrown),
      'app:info',
      {},
      {
        error: (_message, error) => void logged.push(error),
      },
    );
    assertWellFormed(answer, 'thrown');
    expect(answer).toMatchObject({ ok: false, error: { code: 'unknown' } });
    if (!answer.ok) {
      expect(answer.error.message).toMatch(/^app:info failed unexpectedly: /);
      expect(answer.error.message).not.toContain('\n');
    }
    // The whole error still reaches the log, for whoever investigates.
    expect(logged).toEqual([thrown]);
  });
});
