import { describe, expect, it } from 'vitest';
import { describeKind, formatBytes } from '../../../src-renderer/components/file-browser/format';
import { joinPath, parentOf, pathSegments } from '../../../src-renderer/lib/os-path';
import { sortEntries } from '../../../src-renderer/stores/browser-store';
import type { Entry } from '../../../src-shared/model/entry';

describe('os-path', () => {
  it('splits POSIX paths into breadcrumbs', () => {
    expect(pathSegments('/home/ana/data')).toEqual([
      { label: '/', path: '/' },
      { label: 'home', path: '/home' },
      { label: 'ana', path: '/home/ana' },
      { label: 'data', path: '/home/ana/data' },
    ]);
    expect(pathSegments('/')).toEqual([{ label: '/', path: '/' }]);
  });

  it('splits Windows paths into breadcrumbs', () => {
    expect(pathSegments('C:\\Users\\Ana')).toEqual([
      { label: 'C:', path: 'C:\\' },
      { label: 'Users', path: 'C:\\Users' },
      { label: 'Ana', path: 'C:\\Users\\Ana' },
    ]);
  });

  it('finds parents and joins names', () => {
    expect(parentOf('/home/ana')).toBe('/home');
    expect(parentOf('/home')).toBe('/');
    expect(parentOf('/')).toBeNull();
    expect(parentOf('C:\\Users')).toBe('C:\\');
    expect(parentOf('C:\\')).toBeNull();
    expect(joinPath('/', 'etc')).toBe('/etc');
    expect(joinPath('/home', 'ana')).toBe('/home/ana');
    expect(joinPath('C:\\Users', 'Ana')).toBe('C:\\Users\\Ana');
  });
});

describe('format', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(2 * 1024 * 1024 + 17)).toBe('2.0 MiB');
    expect(formatBytes(500 * 1024 ** 3)).toBe('500 GiB');
  });

  it('describes kinds', () => {
    const e = (name: string, kind: Entry['kind'], targetIsDir?: boolean): Entry => ({
      name,
      kind,
      size: 0,
      mtimeMs: 0,
      targetIsDir,
    });
    expect(describeKind(e('a.pdf', 'file'))).toBe('PDF file');
    expect(describeKind(e('Makefile', 'file'))).toBe('File');
    expect(describeKind(e('.bashrc', 'file'))).toBe('File');
    expect(describeKind(e('x', 'dir'))).toBe('Folder');
    expect(describeKind(e('x', 'symlink', true))).toBe('Link to folder');
  });
});

describe('sortEntries', () => {
  const entries: Entry[] = [
    { name: 'file10.txt', kind: 'file', size: 10, mtimeMs: 3 },
    { name: 'zeta', kind: 'dir', size: 0, mtimeMs: 1 },
    { name: 'file2.txt', kind: 'file', size: 300, mtimeMs: 2 },
    { name: 'alpha', kind: 'dir', size: 0, mtimeMs: 5 },
  ];

  it('puts folders first and sorts names naturally', () => {
    expect(sortEntries(entries, { key: 'name', descending: false }).map((e) => e.name)).toEqual([
      'alpha',
      'zeta',
      'file2.txt',
      'file10.txt',
    ]);
  });

  it('sorts by size descending, folders still first', () => {
    expect(sortEntries(entries, { key: 'size', descending: true }).map((e) => e.name)).toEqual([
      'zeta',
      'alpha',
      'file2.txt',
      'file10.txt',
    ]);
  });
});
