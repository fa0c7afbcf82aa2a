import { describe, expect, it } from 'vitest';
import { compileFilter, splitPatterns } from '../../../src-main/engine/filters';

describe('DataSync simple pattern filters', () => {
  it('splits on | and ignores empty patterns', () => {
    expect(splitPatterns(' /a | *.tmp ||')).toEqual(['/a', '*.tmp']);
  });

  it('includes everything when there are no filters', () => {
    const f = compileFilter('', '');
    expect(f.active).toBe(false);
    expect(f.accepts('any/thing.txt')).toBe(true);
  });

  it('excludes a folder with everything in it, with or without a trailing slash', () => {
    for (const pattern of ['/cache', '/cache/']) {
      const f = compileFilter('', pattern);
      expect(f.accepts('cache')).toBe(false);
      expect(f.accepts('cache/deep/x.bin')).toBe(false);
      expect(f.accepts('cache2/x.bin')).toBe(true);
      expect(f.accepts('other/cache/x')).toBe(true);
    }
  });

  it('matches * across folders, anchored at the root', () => {
    const f = compileFilter('', '*.tmp|/logs/*.log');
    expect(f.accepts('a/b/c.tmp')).toBe(false);
    expect(f.accepts('c.tmp.keep')).toBe(true);
    expect(f.accepts('logs/app.log')).toBe(false);
    expect(f.accepts('logs/app.txt')).toBe(true);
    expect(f.accepts('old/logs/app.log')).toBe(true);
  });

  it('is case-sensitive, as DataSync is', () => {
    expect(compileFilter('', '/Photos').accepts('photos/a.jpg')).toBe(true);
  });

  it('includes only what matches, walking the folders that lead there', () => {
    const f = compileFilter('/projects/2024|/docs/*.pdf', '');
    expect(f.accepts('projects/2024/plan.md')).toBe(true);
    expect(f.accepts('projects/2023/plan.md')).toBe(false);
    expect(f.mayContainAccepted('projects')).toBe(true);
    expect(f.mayContainAccepted('projects/2023')).toBe(false);
    expect(f.accepts('docs/a.pdf')).toBe(true);
    expect(f.accepts('docs/a.txt')).toBe(false);
    expect(f.mayContainAccepted('music')).toBe(false);
  });

  it('lets excludes win over includes', () => {
    const f = compileFilter('/projects', '/projects/tmp|*.bak');
    expect(f.accepts('projects/a.txt')).toBe(true);
    expect(f.accepts('projects/tmp/a.txt')).toBe(false);
    expect(f.accepts('projects/a.bak')).toBe(false);
    expect(f.mayContainAccepted('projects/tmp')).toBe(false);
  });

  it('treats regular-expression characters literally', () => {
    const f = compileFilter('', '/a+b (1).[x]');
    expect(f.accepts('a+b (1).[x]')).toBe(false);
    expect(f.accepts('aab (1).x')).toBe(true);
  });
});
