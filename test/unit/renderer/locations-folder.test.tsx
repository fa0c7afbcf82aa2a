// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Entry } from '../../../src-shared/model/entry';
import type { Result } from '../../../src-shared/ipc/result';

const invoke = vi.fn();
vi.mock('../../../src-renderer/lib/api-client', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  on: () => () => {},
  shellKind: () => 'web',
  pathForFile: () => null,
  onConnectionStatus: () => () => {},
}));

const { useLocationFolder, joinRelative, parentOfRelative } =
  await import('../../../src-renderer/features/locations/use-location-folder');
const { locationSegments } = await import('../../../src-renderer/features/locations/folder-parts');

const dir = (name: string): Entry => ({ name, kind: 'dir', size: 0, mtimeMs: 0 });
const file = (name: string, size: number): Entry => ({ name, kind: 'file', size, mtimeMs: 0 });

/** A fake location: its folders' entries by relative path. */
const TREE: Record<string, Entry[]> = {
  '': [file('readme.txt', 10), dir('photos'), dir('docs')],
  photos: [dir('2024'), file('a.jpg', 5)],
  'photos/2024': [file('b.jpg', 7)],
  docs: [],
};

/** Pending browse requests, answered by the test in whatever order it likes. */
let pending: { path: string; resolve(result: Result<unknown>): void }[] = [];

function browseAnswer(path: string): Result<unknown> {
  const entries = TREE[path];
  return entries
    ? { ok: true, value: { path, parent: parentOfRelative(path), entries } }
    : { ok: false, error: { code: 'not-found', message: `Not found: ${path}` } };
}

beforeEach(() => {
  pending = [];
  invoke.mockReset();
  invoke.mockImplementation(
    (channel: string, request: { path: string }) =>
      new Promise((resolve) => {
        expect(channel).toBe('locations:browse');
        pending.push({ path: request.path, resolve });
      }),
  );
});
afterEach(cleanup);

/** Answers every request in flight, in order. */
async function answerAll(): Promise<void> {
  await act(async () => {
    for (const p of pending.splice(0)) p.resolve(browseAnswer(p.path));
  });
}

const names = (entries: readonly Entry[]): string[] => entries.map((e) => e.name);

describe('useLocationFolder', () => {
  it('opens the root, folders, goes up and back', async () => {
    const { result } = renderHook(() =>
      useLocationFolder({ kind: 'location', locationId: 'loc-1' }),
    );
    await answerAll();
    expect(invoke).toHaveBeenLastCalledWith('locations:browse', {
      target: { id: 'loc-1' },
      path: '',
    });
    expect(result.current.path).toBe('');
    // Folders first, then by name.
    expect(names(result.current.entries)).toEqual(['docs', 'photos', 'readme.txt']);
    expect(result.current.parentPath).toBeNull();

    act(() => result.current.openEntry(dir('photos')));
    expect(result.current.loading).toBe(true);
    await answerAll();
    expect(result.current.path).toBe('photos');
    expect(result.current.parentPath).toBe('');

    act(() => result.current.openEntry(dir('2024')));
    await answerAll();
    expect(result.current.path).toBe('photos/2024');
    expect(names(result.current.entries)).toEqual(['b.jpg']);
    expect(result.current.back).toEqual(['', 'photos']);

    act(() => result.current.up());
    await answerAll();
    expect(result.current.path).toBe('photos');

    act(() => result.current.goBack());
    await answerAll();
    expect(result.current.path).toBe('photos/2024');
    expect(result.current.back).toEqual(['', 'photos']);

    act(() => result.current.sortBy('size'));
    expect(result.current.sort).toEqual({ key: 'size', descending: false });
    act(() => result.current.sortBy('size'));
    expect(result.current.sort).toEqual({ key: 'size', descending: true });
  });

  it('ignores an answer for a folder the user already left', async () => {
    const { result } = renderHook(() =>
      useLocationFolder({ kind: 'location', locationId: 'loc-1' }),
    );
    await answerAll();

    act(() => result.current.open('photos'));
    act(() => result.current.open('docs'));
    expect(pending.map((p) => p.path)).toEqual(['photos', 'docs']);
    // The newer answer arrives first, the stale one after it.
    const [slow, fast] = pending.splice(0) as [(typeof pending)[0], (typeof pending)[0]];
    await act(async () => fast.resolve(browseAnswer('docs')));
    await act(async () => slow.resolve(browseAnswer('photos')));
    expect(result.current.path).toBe('docs');
    expect(result.current.entries).toEqual([]);
    expect(result.current.loading).toBe(false);
  });

  it('keeps the error with the folder, and still goes up from it', async () => {
    const { result } = renderHook(() =>
      useLocationFolder({ kind: 'location', locationId: 'loc-1', start: 'photos/missing' }),
    );
    await answerAll();
    expect(result.current.error?.code).toBe('not-found');
    expect(result.current.listing).toBeNull();
    expect(result.current.parentPath).toBe('photos');
    act(() => result.current.up());
    await answerAll();
    expect(result.current.error).toBeNull();
    expect(result.current.path).toBe('photos');
  });

  it('starts again when the target changes, dropping the old one’s answers', async () => {
    const { result, rerender } = renderHook(
      ({ id }: { id: string }) => useLocationFolder({ kind: 'location', locationId: id }),
      { initialProps: { id: 'loc-1' } },
    );
    await answerAll();
    act(() => result.current.open('photos'));
    const stale = pending.splice(0);
    rerender({ id: 'loc-2' });
    await act(async () => stale[0]?.resolve(browseAnswer('photos')));
    expect(result.current.path).toBe('');
    expect(result.current.back).toEqual([]);
    expect(invoke).toHaveBeenLastCalledWith('locations:browse', {
      target: { id: 'loc-2' },
      path: '',
    });
    await answerAll();
    expect(result.current.path).toBe('');
  });

  it('shows the first part of a large folder at once and adds the others as they arrive', async () => {
    invoke.mockReset();
    const calls: unknown[] = [];
    const parts: Record<string, { entries: Entry[]; next?: string }> = {
      start: { entries: [file('a', 1), file('b', 1)], next: 'c1' },
      c1: { entries: [file('c', 1)], next: 'c2' },
      c2: { entries: [dir('z')] },
    };
    invoke.mockImplementation(
      (_channel: string, request: { path: string; cursor?: string }) =>
        new Promise((resolve) => {
          calls.push(request);
          pending.push({
            path: request.path,
            resolve: () =>
              resolve({
                ok: true,
                value: { path: '', parent: null, ...parts[request.cursor ?? 'start'] },
              }),
          });
        }),
    );
    const { result } = renderHook(() => useLocationFolder({ kind: 'location', locationId: 'big' }));
    await act(async () => pending.shift()?.resolve({ ok: true, value: null }));
    // The first part shows while the rest is still being listed.
    expect(names(result.current.entries)).toEqual(['a', 'b']);
    expect(result.current.loading).toBe(false);
    await act(async () => pending.shift()?.resolve({ ok: true, value: null }));
    expect(names(result.current.entries)).toEqual(['a', 'b', 'c']);
    await act(async () => pending.shift()?.resolve({ ok: true, value: null }));
    expect(names(result.current.entries)).toEqual(['z', 'a', 'b', 'c']);
    expect(calls).toEqual([
      { target: { id: 'big' }, path: '' },
      { target: { id: 'big' }, path: '', cursor: 'c1' },
      { target: { id: 'big' }, path: '', cursor: 'c2' },
    ]);
    expect(pending).toEqual([]);
  });

  it('browses this computer over fs:list with absolute paths', async () => {
    invoke.mockImplementation(async (channel: string, request: { path: string }) => {
      expect(channel).toBe('fs:list');
      return {
        ok: true,
        value: {
          path: request.path,
          parent: request.path === '/home' ? '/' : '/home',
          entries: [dir('ana')],
          skipped: 0,
        },
      };
    });
    const { result } = renderHook(() => useLocationFolder({ kind: 'local', start: '/home' }));
    await waitFor(() => expect(result.current.listing?.path).toBe('/home'));
    expect(result.current.childPath('ana')).toBe('/home/ana');
    act(() => result.current.openEntry(dir('ana')));
    await waitFor(() => expect(result.current.path).toBe('/home/ana'));
    expect(invoke).toHaveBeenLastCalledWith('fs:list', { path: '/home/ana' });
  });
});

describe('relative paths', () => {
  it('joins and splits paths inside a location', () => {
    expect(joinRelative('', 'a')).toBe('a');
    expect(joinRelative('a/b', 'c')).toBe('a/b/c');
    expect(parentOfRelative('')).toBeNull();
    expect(parentOfRelative('a')).toBe('');
    expect(parentOfRelative('a/b/c')).toBe('a/b');
  });

  it('makes breadcrumbs from the location’s name down', () => {
    expect(locationSegments('NAS', 'a/b')).toEqual([
      { label: 'NAS', path: '' },
      { label: 'a', path: 'a' },
      { label: 'b', path: 'a/b' },
    ]);
  });
});
