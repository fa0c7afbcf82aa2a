import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Location } from '../../../src-main/locations/location';
import { createLocation } from '../../../src-main/locations/registry';
import { previewFilter } from '../../../src-main/services/filter-preview';
import { local, runExecution } from '../../support/engine-harness';
import { openRig, scratchDir } from './service-fixture';

// `tasks:preview-filter` on a real folder tree, checked against what the engine itself plans
// (a dry run's Estimated* counters) and moves (a real run's FilesTransferred).

/** A tree with files at several depths, a folder to exclude, and a symbolic link. */
async function makeTree(): Promise<string> {
  const root = await scratchDir('preview-src');
  const files: Record<string, number> = {
    'readme.md': 10,
    'notes.tmp': 3,
    'docs/guide.pdf': 2000,
    'docs/draft.tmp': 7,
    'docs/old/v1.pdf': 500,
    'src/main.ts': 120,
    'src/util.ts': 80,
    'src/gen/api.ts': 4000,
    'cache/blob.bin': 9999,
    'cache/deep/more.bin': 1234,
    'photos/2024/a.jpg': 300,
    'photos/2024/b.jpg': 301,
    'photos/2023/c.jpg': 302,
  };
  for (const [file, size] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), Buffer.alloc(size, 1));
  }
  await symlink('readme.md', path.join(root, 'link-to-readme'));
  return root;
}

const FILTERS: [string, string][] = [
  ['', ''],
  ['', '*.tmp|/cache'],
  ['/docs|/src/*.ts', '/src/gen'],
  ['/photos/2024/', ''],
  ['*.pdf', '/docs/old'],
  ['/nothing-matches', ''],
];

describe('tasks:preview-filter', () => {
  it.each(FILTERS)(
    'counts what a run of includes "%s" excludes "%s" would transfer',
    async (includes, excludes) => {
      const source = await makeTree();
      const rig = await openRig();
      const saved = await rig.value('locations:create', { name: 'src', config: local(source) });
      const preview = await rig.value('tasks:preview-filter', {
        sourceLocationId: saved.id,
        includes,
        excludes,
      });

      const dry = await runExecution(local(source), local(await scratchDir('preview-dry')), {
        includes,
        excludes,
        dryRun: true,
      });
      expect(preview).toMatchObject({
        matchedFiles: dry.execution.counters.EstimatedFilesToTransfer,
        matchedBytes: dry.execution.counters.EstimatedBytesToTransfer,
        complete: true,
      });
      const real = await runExecution(local(source), local(await scratchDir('preview-run')), {
        includes,
        excludes,
      });
      expect(real.execution.status).toBe('SUCCESS');
      expect(preview.matchedFiles).toBe(real.execution.counters.FilesTransferred);
    },
  );

  it('gives exact numbers for a known filter', async () => {
    const source = await makeTree();
    const rig = await openRig();
    const saved = await rig.value('locations:create', { name: 'src', config: local(source) });
    const preview = await rig.value('tasks:preview-filter', {
      sourceLocationId: saved.id,
      includes: '/docs|/src/*.ts',
      excludes: '/src/gen|*.tmp',
    });
    // Matched: docs/guide.pdf, docs/old/v1.pdf, src/main.ts, src/util.ts. Looked at besides: the
    // three files at the root, docs/draft.tmp; /cache, /photos and /src/gen are not entered.
    expect(preview).toEqual({
      matchedFiles: 4,
      matchedBytes: 2000 + 500 + 120 + 80,
      examinedFiles: 8,
      complete: true,
    });
  });

  it('stops at the limit and says the count is incomplete', async () => {
    const source = await makeTree();
    const rig = await openRig();
    const saved = await rig.value('locations:create', { name: 'src', config: local(source) });
    const preview = await rig.value('tasks:preview-filter', {
      sourceLocationId: saved.id,
      includes: '',
      excludes: '',
      limit: 3,
    });
    expect(preview.examinedFiles).toBe(3);
    expect(preview.matchedFiles).toBe(3);
    expect(preview.complete).toBe(false);
    const exact = await rig.value('tasks:preview-filter', {
      sourceLocationId: saved.id,
      includes: '',
      excludes: '',
      limit: 14,
    });
    expect(exact).toMatchObject({ examinedFiles: 14, complete: true });
  });

  it('stops at the time limit with what it counted, and closes the location', async () => {
    const source = await makeTree();
    let closed = 0;
    const slow = (): Location => {
      const real = createLocation(local(source), {});
      return new Proxy(real, {
        get(target, key) {
          if (key === 'list') {
            return async (p: string, signal: AbortSignal) => {
              await new Promise((resolve) => setTimeout(resolve, 40));
              signal.throwIfAborted();
              return target.list(p, signal);
            };
          }
          if (key === 'close') return () => (closed++, target.close());
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const preview = await previewFilter(
      slow,
      local(source),
      {},
      {
        includes: '',
        excludes: '',
        limit: 1000,
        timeLimitMs: 100,
      },
    );
    expect(preview.complete).toBe(false);
    expect(preview.examinedFiles).toBeLessThan(14);
    expect(closed).toBe(1);
  });

  it('refuses a malformed pattern with invalid-input naming it, before connecting', async () => {
    let created = 0;
    const error = await previewFilter(
      (config, secrets) => (created++, createLocation(config, secrets)),
      local('/nowhere'),
      {},
      { includes: '/ok|/bad\0name', excludes: '', limit: 10 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-input' });
    expect((error as Error).message).toContain('includes pattern "/bad\0name"');
    expect(created).toBe(0);

    const rig = await openRig();
    const saved = await rig.value('locations:create', {
      name: 's',
      config: local(await makeTree()),
    });
    const answer = await rig.call('tasks:preview-filter', {
      sourceLocationId: saved.id,
      includes: '',
      excludes: 'a\0b',
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it("keeps the location's own error codes", async () => {
    const rig = await openRig();
    const gone = await rig.value('locations:create', {
      name: 'gone',
      config: local(path.join(await scratchDir('preview-gone'), 'missing')),
    });
    const answer = await rig.call('tasks:preview-filter', {
      sourceLocationId: gone.id,
      includes: '',
      excludes: '',
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const unknown = await rig.call('tasks:preview-filter', {
      sourceLocationId: 'loc-nope',
      includes: '',
      excludes: '',
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
