import { describe, expect, it, vi } from 'vitest';
import { MAX_PRESET_FILE_BYTES, PRESET_FORMAT } from '../../../src-shared/model/preset';
import { defaultTaskOptions } from '../../../src-shared/model/task';
import { openRig, scratchDir, type ServiceRig } from './service-fixture';

// Preset files through dispatch on real stores: export, import elsewhere, and every way a file
// can be refused without saving anything.

const SMB_PASSWORD = 'Tr0ub4dor&3-never-exported';
const S3_SECRET = 'wJalrXUtnFEMI/K7MDENG/never-exported';

const OPTIONS = {
  VerifyMode: 'POINT_IN_TIME_CONSISTENT',
  TransferMode: 'CHANGED',
  PreserveDeletedFiles: 'REMOVE',
  BytesPerSecond: 1024 * 1024,
  LogLevel: 'TRANSFER',
  Parallelism: 4,
  Uid: 'NONE',
} as const;

/** A task from SMB (with a password) to S3 (with a secret key), with options and filters. */
async function seed(rig: ServiceRig): Promise<string> {
  const source = await rig.value('locations:create', {
    name: 'Office NAS',
    config: { kind: 'smb', server: 'nas.lan', share: 'team', user: 'ana', path: 'projects' },
    secrets: { password: SMB_PASSWORD },
  });
  const destination = await rig.value('locations:create', {
    name: 'Archive bucket',
    config: {
      kind: 's3',
      bucket: 'archive-bucket',
      prefix: 'team/',
      credentials: 'keys',
      accessKeyId: 'AKIAEXAMPLE',
    },
    secrets: { secretAccessKey: S3_SECRET },
  });
  const task = await rig.value('tasks:create', {
    name: 'Nightly archive',
    sourceLocationId: source.id,
    destinationLocationId: destination.id,
    options: OPTIONS,
    includes: '/projects|/docs/*.pdf',
    excludes: '*.tmp|/cache',
    schedule: { cron: '0 3 * * *', enabled: true },
  });
  return task.id;
}

/** A valid preset file's object, to spoil in one place. */
function validPreset(): Record<string, unknown> {
  return {
    format: PRESET_FORMAT,
    version: 1,
    task: { name: 'Copy', options: {}, includes: '', excludes: '' },
    source: { name: 'From', config: { kind: 'nfs', server: 'nfs1', export: '/exports' } },
    destination: { name: 'To', config: { kind: 'local', path: '/srv/backup' } },
  };
}

describe('presets:export', () => {
  it('writes the task and its locations as pretty JSON, without any secret', async () => {
    const rig = await openRig();
    const id = await seed(rig);
    const file = await rig.value('presets:export', { id });
    expect(file.fileName).toBe('nightly-archive.dataferry-preset.json');
    expect(file.mimeType).toBe('application/json');
    expect(file.content).not.toContain(SMB_PASSWORD);
    expect(file.content).not.toContain(S3_SECRET);
    expect(file.content).not.toMatch(/password|secretAccessKey/);
    expect(file.content).toContain('\n  "task": {');
    const preset = JSON.parse(file.content) as Record<string, unknown>;
    expect(preset).toMatchObject({
      format: 'dataferry-preset',
      version: 1,
      task: { name: 'Nightly archive', includes: '/projects|/docs/*.pdf', options: OPTIONS },
      source: { name: 'Office NAS', config: { kind: 'smb', path: 'projects' } },
      destination: { name: 'Archive bucket', config: { kind: 's3', accessKeyId: 'AKIAEXAMPLE' } },
    });
  });

  it('refuses an in-memory location, and an unknown task', async () => {
    const rig = await openRig();
    const { store } = rig.services;
    const a = store.locations.create('mem a', { kind: 'memory', name: 'a' });
    const b = store.locations.create('mem b', { kind: 'memory', name: 'b' });
    const task = store.tasks.create({
      name: 'mem',
      sourceLocationId: a.id,
      destinationLocationId: b.id,
      options: defaultTaskOptions(),
      includes: '',
      excludes: '',
      schedule: null,
    });
    expect(await rig.call('presets:export', { id: task.id })).toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(await rig.call('presets:export', { id: 'task-nope' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
  });
});

describe('presets:import', () => {
  it('recreates the task on another machine, asking for the secrets it could not carry', async () => {
    const here = await openRig();
    const taskId = await seed(here);
    const original = await here.value('tasks:get', { id: taskId });
    const file = await here.value('presets:export', { id: taskId });

    const there = await openRig();
    const result = await there.value('presets:import', { content: file.content });
    expect(result.task).toMatchObject({
      name: 'Nightly archive',
      options: original.options,
      includes: original.includes,
      excludes: original.excludes,
      schedule: original.schedule,
      sourceLocationId: result.source.id,
      destinationLocationId: result.destination.id,
    });
    expect(result.source).toMatchObject({ name: 'Office NAS', secretsSet: [] });
    expect(result.source.config).toEqual(
      here.services.store.locations.get(original.sourceLocationId).config,
    );
    expect(result.needSecrets).toEqual([
      { locationId: result.source.id, name: 'Office NAS', secrets: ['password'] },
      { locationId: result.destination.id, name: 'Archive bucket', secrets: ['secretAccessKey'] },
    ]);
    expect(there.counts()).toEqual({ locations: 2, tasks: 1 });
  });

  it('reuses identical saved locations and names a second copy of the task "(imported)"', async () => {
    const rig = await openRig();
    const taskId = await seed(rig);
    const original = await rig.value('tasks:get', { id: taskId });
    const { content } = await rig.value('presets:export', { id: taskId });

    const first = await rig.value('presets:import', { content });
    expect(first.task.name).toBe('Nightly archive (imported)');
    expect(first.source.id).toBe(original.sourceLocationId);
    expect(first.destination.id).toBe(original.destinationLocationId);
    // The reused locations have their secrets: nothing to type.
    expect(first.needSecrets).toEqual([]);
    const second = await rig.value('presets:import', { content });
    expect(second.task.name).toBe('Nightly archive (imported 2)');
    expect(rig.counts()).toEqual({ locations: 2, tasks: 3 });
  });

  it('names a new location "(imported)" when its name is taken by another place', async () => {
    const rig = await openRig();
    const root = await scratchDir('preset-taken');
    await rig.value('locations:create', { name: 'To', config: { kind: 'local', path: root } });
    const result = await rig.value('presets:import', { content: JSON.stringify(validPreset()) });
    expect(result.destination.name).toBe('To (imported)');
    expect(result.destination.config).toEqual({ kind: 'local', path: '/srv/backup' });
    expect(result.needSecrets).toEqual([]);
  });

  const spoiled: [string, string, string][] = [
    ['text that is not JSON', '{"format": "dataferry-preset",', 'not valid JSON'],
    [
      'another format',
      JSON.stringify({ ...validPreset(), format: 'rclone' }),
      'not a DataFerry preset',
    ],
    ['another version', JSON.stringify({ ...validPreset(), version: 2 }), 'version 2'],
    [
      'an unknown option',
      JSON.stringify({ ...validPreset(), task: { name: 'x', options: { Speed: 'fast' } } }),
      'task.options.Speed: unknown field',
    ],
    [
      'an unknown top-level key',
      JSON.stringify({ ...validPreset(), extra: 1 }),
      'extra: unknown field',
    ],
    [
      'an invalid option value',
      JSON.stringify({
        ...validPreset(),
        task: { name: 'x', options: { VerifyMode: 'SOMETIMES' } },
      }),
      'task.options.VerifyMode:',
    ],
    [
      '__proto__',
      JSON.stringify(validPreset()).replace(
        '"options":{}',
        '"options":{"__proto__":{"polluted":true}}',
      ),
      'forbidden key "__proto__" at task.options',
    ],
    [
      'constructor',
      JSON.stringify(validPreset()).replace(
        '"version":1',
        '"version":1,"constructor":{"prototype":{}}',
      ),
      'forbidden key "constructor"',
    ],
    [
      'an in-memory location',
      JSON.stringify({
        ...validPreset(),
        source: { name: 'm', config: { kind: 'memory', name: 'm' } },
      }),
      'source.config.kind: in-memory',
    ],
    [
      'an invalid option combination',
      JSON.stringify({
        ...validPreset(),
        task: { name: 'x', options: { PreserveDeletedFiles: 'REMOVE', TransferMode: 'ALL' } },
      }),
      'task.options.PreserveDeletedFiles: PreserveDeletedFiles=REMOVE needs TransferMode=CHANGED',
    ],
    [
      'an oversized name',
      JSON.stringify({ ...validPreset(), task: { name: 'n'.repeat(201), options: {} } }),
      'task.name: Too big',
    ],
    [
      'an oversized filter',
      JSON.stringify({
        ...validPreset(),
        task: { name: 'x', options: {}, excludes: 'x'.repeat(102_401) },
      }),
      'task.excludes: Too big',
    ],
    [
      'a bad schedule',
      JSON.stringify({
        ...validPreset(),
        task: { name: 'x', options: {}, schedule: { cron: 'at noon' } },
      }),
      'Invalid schedule "at noon"',
    ],
    [
      'a relative local folder',
      JSON.stringify({
        ...validPreset(),
        destination: { name: 'To', config: { kind: 'local', path: 'backup' } },
      }),
      'destination.config.path',
    ],
    [
      'the same place twice',
      JSON.stringify({
        ...validPreset(),
        source: { name: 'Also to', config: { kind: 'local', path: '/srv/backup/' } },
      }),
      'same place as source and destination',
    ],
    ['a JSON array', '[1, 2, 3]', 'not an object'],
  ];

  it.each(spoiled)(
    'refuses %s with invalid-input and saves nothing',
    async (_label, content, words) => {
      const rig = await openRig();
      await seed(rig);
      const before = rig.counts();
      const answer = await rig.call('presets:import', { content });
      expect(answer.ok).toBe(false);
      if (answer.ok) return;
      expect(answer.error.code).toBe('invalid-input');
      expect(answer.error.message).toContain(words);
      expect(rig.counts()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('refuses a file larger than a preset can be', async () => {
    const rig = await openRig();
    const answer = await rig.call('presets:import', {
      content: ' '.repeat(MAX_PRESET_FILE_BYTES + 1),
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(rig.counts()).toEqual({ locations: 0, tasks: 0 });
  });

  it('leaves nothing behind when saving fails half way', async () => {
    const rig = await openRig();
    await seed(rig);
    const before = rig.counts();
    vi.spyOn(rig.services.tasks, 'insert').mockImplementationOnce(() => {
      throw new Error('disk full');
    });
    const answer = await rig.call('presets:import', { content: JSON.stringify(validPreset()) });
    expect(answer).toMatchObject({ ok: false, error: { code: 'unknown' } });
    expect(rig.counts()).toEqual(before);
    // And the same file goes in once the trouble is gone.
    const result = await rig.value('presets:import', { content: JSON.stringify(validPreset()) });
    expect(result.task.name).toBe('Copy');
    expect(rig.counts()).toEqual({ locations: before.locations + 2, tasks: before.tasks + 1 });
  });

  it('asks for the secret key of an object storage location with an access key', async () => {
    const rig = await openRig();
    const preset = {
      ...validPreset(),
      source: {
        name: 'MinIO',
        config: { kind: 'object-storage', server: 'minio.lan', bucket: 'b', accessKeyId: 'AK' },
      },
    };
    const result = await rig.value('presets:import', { content: JSON.stringify(preset) });
    expect(result.needSecrets).toEqual([
      { locationId: result.source.id, name: 'MinIO', secrets: ['secretAccessKey'] },
    ]);
  });
});
