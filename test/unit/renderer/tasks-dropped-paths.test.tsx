// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import {
  folderLabel,
  planDroppedPaths,
  samePath,
  splitPath,
} from '../../../src-renderer/lib/dropped-paths';

describe('planDroppedPaths', () => {
  it('makes one dropped folder the source, with no filter', () => {
    expect(planDroppedPaths([{ path: '/home/ana/photos', isDirectory: true }])).toEqual({
      source: '/home/ana/photos',
      label: 'photos',
      includes: '',
      note: null,
    });
    expect(planDroppedPaths([{ path: '/home/ana/photos/', isDirectory: true }])?.source).toBe(
      '/home/ana/photos',
    );
  });

  it('uses the folder of dropped files and names them in an include filter', () => {
    expect(
      planDroppedPaths([
        { path: '/home/ana/docs/a.txt', isDirectory: false },
        { path: '/home/ana/docs/b', isDirectory: true },
      ]),
    ).toEqual({ source: '/home/ana/docs', label: 'docs', includes: '/a.txt|/b', note: null });
    expect(planDroppedPaths([{ path: '/home/ana/report.pdf', isDirectory: false }])).toEqual({
      source: '/home/ana',
      label: 'ana',
      includes: '/report.pdf',
      note: null,
    });
  });

  it('treats an item of unknown kind as an entry of its folder', () => {
    expect(planDroppedPaths([{ path: '/data/thing', isDirectory: null }])).toMatchObject({
      source: '/data',
      includes: '/thing',
    });
  });

  it('takes the first item’s folder when items come from different folders, and says so', () => {
    const plan = planDroppedPaths([
      { path: '/a/one.txt', isDirectory: false },
      { path: '/b/two.txt', isDirectory: false },
      { path: '/a/three.txt', isDirectory: false },
    ]);
    expect(plan).toMatchObject({ source: '/a', includes: '/one.txt|/three.txt' });
    expect(plan?.note).toContain('different folders');
    expect(plan?.note).toContain('1 dropped item is not part of it');
  });

  it('plans Windows drive and UNC paths', () => {
    expect(
      planDroppedPaths([
        { path: 'C:\\Users\\Ana\\a.txt', isDirectory: false },
        { path: 'C:\\Users\\Ana\\Pictures', isDirectory: true },
      ]),
    ).toEqual({ source: 'C:\\Users\\Ana', label: 'Ana', includes: '/a.txt|/Pictures', note: null });
    expect(planDroppedPaths([{ path: 'D:\\x.iso', isDirectory: false }])).toMatchObject({
      source: 'D:\\',
      label: 'D:\\',
      includes: '/x.iso',
    });
    expect(planDroppedPaths([{ path: 'D:\\', isDirectory: true }])?.source).toBe('D:\\');
    expect(
      planDroppedPaths([{ path: '\\\\nas\\share\\proj\\f.txt', isDirectory: false }]),
    ).toMatchObject({ source: '\\\\nas\\share\\proj', label: 'proj', includes: '/f.txt' });
    // Windows compares folders without case.
    expect(
      planDroppedPaths([
        { path: 'C:\\Data\\a', isDirectory: false },
        { path: 'c:\\data\\b', isDirectory: false },
      ]),
    ).toMatchObject({ includes: '/a|/b', note: null });
  });

  it('keeps the whole folder when a name cannot be written as a pattern', () => {
    const plan = planDroppedPaths([{ path: '/x/a|b.txt', isDirectory: false }]);
    expect(plan).toMatchObject({ source: '/x', includes: '' });
    expect(plan?.note).toContain('contains "|"');
  });

  it('plans nothing for nothing', () => {
    expect(planDroppedPaths([])).toBeNull();
    expect(planDroppedPaths([{ path: '', isDirectory: null }])).toBeNull();
  });
});

describe('path helpers', () => {
  it('splits, labels and compares paths', () => {
    expect(splitPath('/')).toBeNull();
    expect(splitPath('/etc')).toEqual({ parent: '/', name: 'etc' });
    expect(splitPath('\\\\nas\\share')).toBeNull();
    expect(folderLabel('/')).toBe('/');
    expect(folderLabel('/srv/media/')).toBe('media');
    expect(samePath('/a/b/', '/a/b')).toBe(true);
    expect(samePath('/a/B', '/a/b')).toBe(false);
    expect(samePath('C:\\A\\', 'c:\\a')).toBe(true);
  });
});
