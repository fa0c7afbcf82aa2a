import { describe, expect, it } from 'vitest';
import { compareTreePaths, sortByName } from '../../../src-main/engine/tree-order';

/** The definition: segment by segment, code-unit order, a folder before its contents. */
function bySegments(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const x = sa[i] as string;
    const y = sb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return sa.length - sb.length;
}

describe('tree order', () => {
  it('puts a folder right before its contents, even when a sibling name sorts between', () => {
    const paths = ['a-c', 'a/b', 'a', 'a/b/c', 'a0', 'A', 'ä', 'a b'];
    expect([...paths].sort(compareTreePaths)).toEqual([
      'A',
      'a',
      'a/b',
      'a/b/c',
      'a b',
      'a-c',
      'a0',
      'ä',
    ]);
  });

  it('agrees with the segment-by-segment definition on random paths', () => {
    const alphabet = ['a', 'b', '-', '.', ' ', '0', 'é', '文', '/'];
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const make = (): string => {
      let s = '';
      const length = 1 + Math.floor(random() * 8);
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      return s.replace(/\/+/g, '/').replace(/^\/|\/$/g, '') || 'x';
    };
    for (let i = 0; i < 5000; i++) {
      const a = make();
      const b = make();
      expect(Math.sign(compareTreePaths(a, b)), `${a} vs ${b}`).toBe(Math.sign(bySegments(a, b)));
    }
  });

  it('sorts one folder by name', () => {
    const entries = [{ path: 'd/b' }, { path: 'd/a-b' }, { path: 'd/a' }];
    expect(sortByName(entries).map((e) => e.path)).toEqual(['d/a', 'd/a-b', 'd/b']);
  });
});
