import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PRESET_FILE_BYTES } from '../../../src-shared/model/preset';
import {
  applyMutation,
  assertWellFormed,
  DEEP_ARRAY,
  DEEP_OBJECT,
  mutationOf,
  prototypeSnapshot,
  within,
  type Mutation,
} from '../handlers/hostile-values';
import { openRig, type ServiceRig } from './service-fixture';

/*
 * Preset files (presets:import) fuzzed: one-field mutations of a real exported preset, and the
 * hostile classics (10,000 levels of nesting, 512 KiB strings, prototype keys, wrong types,
 * unknown and in-memory kinds, relative and odd local paths, schedules that never fire). A
 * refused file answers invalid-input naming the problem, and nothing is saved.
 */

/** A seeded rig and the content of a preset exported from it (SMB -> S3, filters, schedule). */
async function seeded(): Promise<{ rig: ServiceRig; preset: string }> {
  const rig = await openRig();
  const source = await rig.value('locations:create', {
    name: 'Office NAS',
    config: { kind: 'smb', server: 'nas.invalid', share: 'team', user: 'ana', path: 'projects' },
    secrets: { password: 'never-in-a-preset' },
  });
  const destination = await rig.value('locations:create', {
    name: 'Archive',
    config: {
      kind: 'object-storage',
      server: 'minio.invalid',
      port: 9000,
      bucket: 'archive',
      accessKeyId: 'AKIAFUZZ',
    },
    secrets: { secretAccessKey: 'never-in-a-preset-either' },
  });
  const task = await rig.value('tasks:create', {
    name: 'Nightly',
    sourceLocationId: source.id,
    destinationLocationId: destination.id,
    options: { VerifyMode: 'POINT_IN_TIME_CONSISTENT', Parallelism: 4, BytesPerSecond: 1 << 20 },
    includes: '/projects|*.pdf',
    excludes: '*.tmp',
    schedule: { cron: '0 3 * * *', enabled: true },
  });
  const file = await rig.value('presets:export', { id: task.id });
  return { rig, preset: file.content };
}

const DEEP_OBJECT_TEXT = '{"a":'.repeat(10_000) + '{"leaf":true}' + '}'.repeat(10_000);
const DEEP_ARRAY_TEXT = '['.repeat(10_000) + ']'.repeat(10_000);

/**
 * JSON text of a mutated preset, as a hostile file would hold it: the 10,000-level values written
 * out (JSON.stringify would overflow the stack on them), BigInts as numbers, and what JSON has
 * no text for (a function, a symbol) left out as JSON.stringify leaves it.
 */
function text(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v === DEEP_OBJECT) return '\u0000deep-object';
    if (v === DEEP_ARRAY) return '\u0000deep-array';
    if (typeof v === 'bigint') return Number(v);
    return v;
  });
  return (json ?? 'null')
    .replaceAll('"\\u0000deep-object"', DEEP_OBJECT_TEXT)
    .replaceAll('"\\u0000deep-array"', DEEP_ARRAY_TEXT);
}

/** A parsed preset that the spoilers below write anything into, anywhere: that is the point. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spoilable = Record<string, any>;

/** Where a refusal must point: the first segment of the mutated field (or its new key). */
function pointedAt(mutation: Mutation): string | null {
  if (mutation.kind === 'extra') return mutation.key === '__proto__' ? '__proto__' : mutation.key;
  const first = mutation.path[0];
  // The whole file replaced or removed: the message speaks of the file itself.
  return first === undefined ? null : String(first);
}

describe('presets:import, fuzzed', () => {
  it('refuses one-field mutations of a real preset with invalid-input naming the field, saving nothing', async () => {
    const { rig, preset } = await seeded();
    const base: unknown = JSON.parse(preset);
    const before = prototypeSnapshot();
    const seen = { refused: 0, imported: 0 };
    await fc.assert(
      fc.asyncProperty(mutationOf(base), async (mutation) => {
        const counts = rig.counts();
        const content = text(applyMutation(base, mutation));
        const answer = await within(rig.call('presets:import', { content }), 15_000, 'import');
        assertWellFormed(answer, 'presets:import');
        if (answer.ok) {
          // A mutation that left a valid preset (a new name, a default...): one more task.
          expect(rig.counts().tasks).toBe(counts.tasks + 1);
          seen.imported++;
          return;
        }
        seen.refused++;
        const label = `${JSON.stringify(mutation.path)} ${mutation.kind}: ${answer.error.message}`;
        expect(answer.error.code, label).toBe('invalid-input');
        expect(rig.counts(), label).toEqual(counts);
        const where = pointedAt(mutation);
        // exportedAt is free text; the same-place check names both sides in words; a file over
        // 512 KiB is refused whole before it is read.
        const whole = /same place|content: Too big/.test(answer.error.message);
        if (where !== null && where !== 'exportedAt' && !whole) {
          expect(answer.error.message, label).toContain(where);
        }
      }),
      { numRuns: 400 },
    );
    expect(seen.refused).toBeGreaterThan(200);
    expect(seen.imported).toBeGreaterThan(0);
    expect(prototypeSnapshot()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('never saves anything for arbitrary text and JSON', async () => {
    const { rig } = await seeded();
    const counts = rig.counts();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ unit: 'binary', maxLength: 100 }),
        ),
        async (content) => {
          const answer = await within(rig.call('presets:import', { content }), 15_000, 'import');
          assertWellFormed(answer, 'presets:import');
          expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
          expect(rig.counts()).toEqual(counts);
        },
      ),
      { numRuns: 300 },
    );
  });

  /** The exported preset with `change` applied to its parsed object. */
  function spoil(preset: string, change: (p: Spoilable) => void): string {
    const parsed = JSON.parse(preset) as Spoilable;
    change(parsed);
    return JSON.stringify(parsed);
  }

  const deepOptions = `{"a":`.repeat(10_000) + '1' + '}'.repeat(10_000);
  const classics: [string, (preset: string) => string, RegExp | string][] = [
    [
      '10,000 levels of nesting in task.options',
      (p) => p.replace(/"options": \{/, `"options": {"deep": ${deepOptions}, `),
      'task.options.deep: unknown field',
    ],
    [
      '10,000 levels of arrays as the whole file',
      () => '['.repeat(10_000) + ']'.repeat(10_000),
      'not an object',
    ],
    [
      '10,000 levels of nesting as the source',
      (p) => p.replace(/"source": \{/, `"source": {"deep": ${deepOptions}, `),
      /source/,
    ],
    [
      'a 512 KiB task name',
      (p) => spoil(p, (o) => (o.task.name = 'n'.repeat(MAX_PRESET_FILE_BYTES - 2000))),
      'task.name: Too big',
    ],
    [
      'a 512 KiB CA certificate',
      (p) =>
        spoil(
          p,
          (o) => (o.destination.config.caCertificatePem = 'c'.repeat(MAX_PRESET_FILE_BYTES - 2000)),
        ),
      'destination.config.caCertificatePem: Too big',
    ],
    [
      'a file over 512 KiB',
      (p) => spoil(p, (o) => (o.task.excludes = 'x'.repeat(MAX_PRESET_FILE_BYTES))),
      'Invalid request for presets:import',
    ],
    [
      '__proto__ at the top level',
      (p) => p.replace('{', '{"__proto__": {"polluted": true},'),
      'forbidden key "__proto__" at the top level',
    ],
    [
      '__proto__ in a location config',
      (p) => p.replace('"kind": "smb",', '"kind": "smb", "__proto__": {"polluted": true},'),
      'forbidden key "__proto__" at source.config',
    ],
    [
      'constructor.prototype deep in an array',
      (p) => p.replace('{', '{"x": [[{"constructor": {"prototype": {"polluted": true}}}]],'),
      'forbidden key "constructor" at x.0.0',
    ],
    [
      'prototype as a key',
      (p) => p.replace('"task": {', '"task": {"prototype": 1,'),
      'forbidden key "prototype"',
    ],
    ['the version as text', (p) => spoil(p, (o) => (o.version = '1')), 'version "1"'],
    ['the format as a number', (p) => spoil(p, (o) => (o.format = 7)), 'its "format" is 7'],
    [
      'the format nested 10,000 levels deep (it once overflowed the stack)',
      (p) => p.replace('"format": "dataferry-preset"', `"format": ${DEEP_OBJECT_TEXT}`),
      'its "format" is an object',
    ],
    [
      'the version nested 10,000 levels deep',
      (p) => p.replace('"version": 1', `"version": ${DEEP_ARRAY_TEXT}`),
      'This preset file is version a list',
    ],
    ['the task as null', (p) => spoil(p, (o) => (o.task = null)), 'task:'],
    ['the options as an array', (p) => spoil(p, (o) => (o.task.options = [])), 'task.options:'],
    [
      'Parallelism as NaN (null in JSON)',
      (p) => spoil(p, (o) => (o.task.options.Parallelism = NaN)),
      'task.options.Parallelism',
    ],
    [
      'Parallelism as 1e308',
      (p) => p.replace('"Parallelism": 4', '"Parallelism": 1e308'),
      'task.options.Parallelism',
    ],
    ['a port of -0.5', (p) => p.replace('"port": 9000', '"port": -0.5'), 'destination.config.port'],
    [
      'an unknown location kind',
      (p) => spoil(p, (o) => (o.source.config.kind = 'ftp')),
      'source.config.kind',
    ],
    [
      'no location kind',
      (p) => spoil(p, (o) => delete o.destination.config.kind),
      'destination.config.kind',
    ],
    [
      'an in-memory location',
      (p) =>
        spoil(p, (o) => (o.destination = { name: 'mem', config: { kind: 'memory', name: 'm' } })),
      'destination.config.kind: in-memory locations exist only in tests',
    ],
    ...(['backup', './backup', '../../etc', 'C:\\Users\\x', '~/x'].map((folder) => [
      `the relative local folder "${folder}"`,
      (p: string) =>
        spoil(p, (o) => (o.source = { name: 'here', config: { kind: 'local', path: folder } })),
      'source.config.path',
    ]) as [string, (preset: string) => string, string][]),
    [
      'a local folder with a NUL byte',
      (p) =>
        spoil(
          p,
          (o) => (o.source = { name: 'here', config: { kind: 'local', path: '/srv/a\0b' } }),
        ),
      'source.config.path: no NUL bytes',
    ],
    [
      'an empty local folder',
      (p) => spoil(p, (o) => (o.source = { name: 'h', config: { kind: 'local', path: '' } })),
      'source.config.path',
    ],
    [
      'a secret in the file',
      (p) => spoil(p, (o) => (o.source.secrets = { password: 'x' })),
      'source.secrets: unknown field',
    ],
    [
      'a password in a config',
      (p) => spoil(p, (o) => (o.source.config.password = 'x')),
      'source.config.password: unknown field',
    ],
    ['a name of spaces', (p) => spoil(p, (o) => (o.task.name = '   ')), 'task.name'],
    [
      'a schedule that is not cron',
      (p) => spoil(p, (o) => (o.task.schedule.cron = 'every day')),
      'task.schedule.cron: Invalid schedule "every day"',
    ],
    [
      'a cron of 200 stars',
      (p) => spoil(p, (o) => (o.task.schedule.cron = '* '.repeat(100))),
      'schedule',
    ],
    ['a JSON text with a trailing comma', (p) => p.replace(/\}\s*$/, ',}'), 'not valid JSON'],
    ['an empty file', () => '', 'not valid JSON'],
    ['the JSON null', () => 'null', 'not an object'],
  ];

  it.each(classics)(
    'refuses %s with invalid-input naming it, saving nothing',
    async (_what, make, words) => {
      const { rig, preset } = await seeded();
      const counts = rig.counts();
      const before = prototypeSnapshot();
      const answer = await within(
        rig.call('presets:import', { content: make(preset) }),
        15_000,
        'import',
      );
      assertWellFormed(answer, 'presets:import');
      expect(answer.ok).toBe(false);
      if (answer.ok) return;
      expect(answer.error.code).toBe('invalid-input');
      if (typeof words === 'string') expect(answer.error.message).toContain(words);
      else expect(answer.error.message).toMatch(words);
      expect(rig.counts()).toEqual(counts);
      expect(prototypeSnapshot()).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it.each([
    ['a schedule for February 30th', '0 0 30 2 *'],
    ['a schedule for the 31st of November', '0 0 31 11 *'],
  ])('answers %s within bounds, whichever way it decides', async (_what, cron) => {
    const { rig, preset } = await seeded();
    const counts = rig.counts();
    const content = spoil(preset, (o) => (o.task.schedule.cron = cron));
    const answer = await within(rig.call('presets:import', { content }), 15_000, 'import');
    assertWellFormed(answer, 'presets:import');
    if (!answer.ok) {
      expect(answer.error.code).toBe('invalid-input');
      expect(rig.counts()).toEqual(counts);
    }
  });
});
