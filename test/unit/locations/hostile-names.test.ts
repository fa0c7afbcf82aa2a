import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionRunner, type EngineDeps } from '../../../src-main/engine/execution-runner';
import { createInlineRunner } from '../../../src-main/engine/transfer-runner';
import { LocalLocation } from '../../../src-main/locations/local/local-location';
import { sortListedNames } from '../../../src-main/locations/local/local-names';
import type {
  EntryInfo,
  Location,
  LocationCapabilities,
  ReadOptions,
} from '../../../src-main/locations/location';
import {
  MemoryLocation,
  memoryStore,
  resetMemoryStores,
} from '../../../src-main/locations/memory/memory-location';
import {
  assertSafeRelativePath,
  listedNameProblem,
  refusedNameEntry,
} from '../../../src-main/locations/relative-path';
import { decodeListedKey } from '../../../src-main/locations/s3/s3-keys';
import { assertSmbPath, smbNameProblem } from '../../../src-main/locations/smb/smb-names';
import { AppError } from '../../../src-shared/errors';
import type { Execution, FileResult } from '../../../src-shared/model/execution';
import { taskOptionsSchema, type TaskOptionsInput } from '../../../src-shared/model/task';
import { assertRunAgrees } from '../../support/run-agreement';
import { recordingSink, tempDir } from '../../support/engine-harness';

/*
 * Names that try to leave the destination or that a store cannot hold, below the servers: the
 * checks themselves (relative-path.ts, smb-names.ts, local-names.ts, s3-keys.ts), the local
 * listing of names that are not UTF-8 (both the async and the worker's blocking listing), and the
 * engine's per-file report of refused names (skipped or failed with invalid-name, never read,
 * written or deleted). The same against real servers: test/integration/hostile-names-*.test.ts.
 */

const live = (): AbortSignal => new AbortController().signal;

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
}

describe('relative paths and listed names', () => {
  it('refuses paths with a lone surrogate, which UTF-8 stores would turn into U+FFFD', () => {
    expect(codeOf(() => assertSafeRelativePath('a/\uD800b'))).toBe('invalid-name');
    expect(codeOf(() => assertSafeRelativePath('a/\uDC00'))).toBe('invalid-name');
    expect(codeOf(() => assertSafeRelativePath('emoji \uD83D\uDE00/ok'))).toBe('ok');
    expect(() => assertSafeRelativePath('x\uD800')).toThrow(/not valid Unicode/);
  });

  it.each([
    ['', 'an empty name'],
    ['.', 'the name "."'],
    ['..', 'the name ".."'],
    ['a/b', 'a "/" in its name'],
    ['nul\0byte', 'a NUL byte'],
    ['lone\uDBFF', 'not valid Unicode'],
  ])('refuses the listed name %j: %s', (name, reason) => {
    expect(listedNameProblem(name)).toContain(reason);
  });

  it.each(['...', 'a\\b', 'new\nline', 'a:b', 'con', ' lead', '\u00e9t\u00e9', 'x'.repeat(255)])(
    'accepts the listed name %j (stores that cannot hold it refuse it when writing)',
    (name) => expect(listedNameProblem(name)).toBeNull(),
  );

  it('gives a refused name a stand-in path of one segment that is never "." or ".."', () => {
    for (const name of ['..', '.', '', 'a/b', '../../etc/passwd', 'nul\0', 'x\uD800']) {
      const entry = refusedNameEntry('dir', name, 'SMB name', 'a reason');
      const segments = entry.path.split('/');
      expect(segments).toHaveLength(2);
      expect(segments[0]).toBe('dir');
      expect(['', '.', '..']).not.toContain(segments[1]);
      expect(codeOf(() => assertSafeRelativePath(entry.path))).toBe('ok');
      expect(entry).toMatchObject({ type: 'other', size: 0 });
      expect(entry.problem).toBe(`SMB name ${segments[1]} cannot be transferred: it has a reason`);
      expect(entry.problem).not.toContain('\0');
    }
  });
});

describe('SMB names', () => {
  it.each([
    ['a\\b', 'folder separator'],
    ['..\\..\\evil', 'folder separator'],
    ['a:b', 'stream name'],
    ['file.txt:hidden:$DATA', 'stream name'],
    ['q?', 'forbids'],
    ['st*r', 'forbids'],
    ['lt<', 'forbids'],
    ['pipe|', 'forbids'],
    ['quo"te', 'forbids'],
    ['new\nline', 'control character'],
    ['tab\there', 'control character'],
    ['trail.', 'trailing dot or space'],
    ['trail ', 'trailing dot or space'],
    ['...', 'trailing dot or space'],
    ['con', 'reserves'],
    ['NUL.txt', 'reserves'],
    ['Com1', 'reserves'],
    ['lpt9.tar.gz', 'reserves'],
    ['x'.repeat(256), 'longer than 255'],
    ['..', 'leave its folder'],
    ['a/b', 'another folder'],
    ['', 'empty'],
  ])('refuses %j: %s', (name, reason) => {
    expect(smbNameProblem(name)).toContain(reason);
  });

  it.each([
    'ok.txt',
    '.hidden',
    'console.log',
    'com10',
    'a.b.c',
    'x'.repeat(255),
    '😀'.repeat(127),
  ])('accepts %j', (name) => expect(smbNameProblem(name)).toBeNull());

  it('names the segment, the full path and the reason, with control characters escaped', () => {
    let thrown: unknown;
    try {
      assertSmbPath('docs/new\nline/x.txt', 'SMB //nas/share/dst');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({
      code: 'invalid-name',
      message:
        'Invalid name on SMB: "new\\nline" in SMB //nas/share/dst/docs/new\\u000aline/x.txt: it has a control character in its name',
    });
    expect((thrown as AppError).message).not.toContain('\n');
    expect(codeOf(() => assertSmbPath('dir\\..\\..\\x', 'SMB //nas/share'))).toBe('invalid-name');
    expect(codeOf(() => assertSmbPath('../x', 'SMB //nas/share'))).toBe('invalid-name');
    expect(codeOf(() => assertSmbPath('docs/ok.txt', 'SMB //nas/share'))).toBe('ok');
    expect(codeOf(() => assertSmbPath('', 'SMB //nas/share'))).toBe('ok');
  });
});

describe('S3 listed keys', () => {
  it('decodes keys a server sent URL-encoded (plus for space), and leaves others as they are', () => {
    expect(decodeListedKey('p/cr%0Dx', 'url')).toBe('p/cr\rx');
    expect(decodeListedKey('p/sp+x%2Bplus', 'url')).toBe('p/sp x+plus');
    expect(decodeListedKey('p/%C3%A9t%C3%A9', 'url')).toBe('p/\u00e9t\u00e9');
    expect(decodeListedKey('p/..%2F..%2Fx', 'url')).toBe('p/../../x');
    // A server that ignored EncodingType: the key is raw, '+' and '%' included.
    expect(decodeListedKey('p/a+b%41', undefined)).toBe('p/a+b%41');
    // Malformed encoding: kept as sent rather than guessed.
    expect(decodeListedKey('p/bad%E0%A4%A', 'url')).toBe('p/bad%E0%A4%A');
  });
});

describe('local names that are not UTF-8', () => {
  let root: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir: root, remove } = await tempDir('hostile-local'));
  });
  afterEach(async () => remove());

  const raw = (...parts: (string | number[])[]): Buffer =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

  it('sorts raw names into usable names and refused entries naming the bytes', () => {
    const sorted = sortListedNames(
      [raw('ok.txt'), raw('bad-', [0xff], '.txt'), raw('.dataferry-abc.partial'), raw('a\\b')],
      'dir',
    );
    expect(sorted.names).toEqual(['ok.txt', 'a\\b']);
    expect(sorted.refused).toHaveLength(1);
    expect(sorted.refused[0]?.problem).toContain('not valid UTF-8 (its bytes: 6261642dff2e747874)');
  });

  it.each([false, true])(
    'lists them as problem entries, each naming its own bytes (blocking I/O: %s)',
    async (blockingIo) => {
      // Two names that decode alike (both "bad-\uFFFD.txt"), a folder, and names Linux allows.
      writeFileSync(raw(`${root}/bad-`, [0xff], '.txt'), 'one');
      writeFileSync(raw(`${root}/bad-`, [0xfe], '.txt'), 'two');
      mkdirSync(raw(`${root}/dir-`, [0xc3, 0x28]));
      writeFileSync(raw(`${root}/dir-`, [0xc3, 0x28], '/inside.txt'), 'inside');
      writeFileSync(path.join(root, 'back\\slash'), 'b');
      writeFileSync(path.join(root, 'new\nline'), 'n');
      const location = new LocalLocation(root, { blockingIo });
      const entries = await location.list('', live());
      const byPath = new Map(entries.map((e) => [e.path, e]));
      expect(byPath.get('back\\slash')).toMatchObject({ type: 'file', size: 1 });
      expect(byPath.get('new\nline')).toMatchObject({ type: 'file', size: 1 });
      const refused = entries.filter((e) => e.problem !== undefined);
      expect(refused.map((e) => e.type)).toEqual(['other', 'other', 'other']);
      expect(refused.map((e) => e.problem?.match(/its bytes: ([0-9a-f]+)/)?.[1]).sort()).toEqual([
        '6261642dfe2e747874',
        '6261642dff2e747874',
        '6469722dc328',
      ]);
      expect(entries).toHaveLength(5);
    },
  );
});

/* The engine's report of refused names: a source that lists problem entries, in memory. */

/** A memory location whose root listing also holds problem entries, and that records reads. */
class HostileSource extends MemoryLocation {
  readonly reads: string[] = [];
  constructor(
    name: string,
    private readonly extra: EntryInfo[],
  ) {
    super(name);
  }
  override async list(path: string, signal: AbortSignal): Promise<EntryInfo[]> {
    const listed = await super.list(path, signal);
    return path === '' ? [...listed, ...this.extra] : listed;
  }
  override async read(path: string, options: ReadOptions, signal: AbortSignal): Promise<Readable> {
    this.reads.push(path);
    return super.read(path, options, signal);
  }
}

/** A memory destination that declares it ignores case, as SMB does. */
class CaseInsensitiveMemory extends MemoryLocation {
  override readonly capabilities: LocationCapabilities = {
    ...new MemoryLocation('caps').capabilities,
    caseSensitive: false,
  };
}

async function run(
  source: Location,
  destination: Location,
  options: TaskOptionsInput = {},
): Promise<{ execution: Execution; files: FileResult[] }> {
  const sink = recordingSink();
  const locations = [source, destination];
  const deps: EngineDeps = {
    createLocation: () => locations.shift() as Location,
    prepareInline: true,
    createRunner: (spec, src, dst) => createInlineRunner(src, dst, spec),
  };
  const runner = new ExecutionRunner(
    {
      executionId: 'exec-hostile-unit',
      taskId: 'task-hostile-unit',
      source: { config: { kind: 'memory', name: 'src' }, secrets: {} },
      destination: { config: { kind: 'memory', name: 'dst' }, secrets: {} },
      options: taskOptionsSchema.parse(options),
      includes: '',
      excludes: '',
      dryRun: false,
    },
    sink,
    deps,
  );
  const execution = await runner.run();
  await assertRunAgrees({
    execution,
    results: sink.received,
    options: taskOptionsSchema.parse(options),
  });
  return { execution, files: sink.received };
}

describe('the engine and refused names', () => {
  beforeEach(() => resetMemoryStores());

  it('reports each refused source name as not copied with invalid-name, never reads it, copies the rest', async () => {
    memoryStore('src').putFile('ok.txt', 'fine');
    memoryStore('src').putFile('sub/inner.txt', 'inner');
    const hostile = [
      refusedNameEntry('', '..', 'SMB name', 'the name "..", which would leave its folder'),
      refusedNameEntry('', '..\\..\\evil', 'SMB name', 'a "\\" in its name'),
      refusedNameEntry('', 'a/b', 'NFS name', 'a "/" in its name'),
    ];
    const source = new HostileSource('src', hostile);
    const { execution, files } = await run(source, new MemoryLocation('dst'), {
      PreserveDeletedFiles: 'REMOVE',
    });
    // Left behind, so not a complete copy: ERROR, and never counted as skipped (unchanged).
    expect(execution.status).toBe('ERROR');
    expect(execution.error?.message).toMatch(/^3 entries were not copied: /);
    expect(execution.counters).toMatchObject({
      FilesTransferred: 2,
      FilesSkipped: 0,
      FilesNotCopied: 3,
      FilesFailed: 0,
    });
    const skipped = files.filter((f) => f.action === 'not-copied');
    expect(skipped.map((f) => [f.path, f.errorCode]).sort()).toEqual([
      ['".."', 'invalid-name'],
      ['"..\\\\..\\\\evil"', 'invalid-name'],
      ['"a\\u002fb"', 'invalid-name'],
    ]);
    for (const line of skipped)
      expect(line.detail).toMatch(
        /^not copied: (SMB|NFS) name ".*" cannot be transferred: it has /,
      );
    expect(source.reads.sort()).toEqual(['ok.txt', 'sub/inner.txt']);
    expect(memoryStore('dst').paths().sort()).toEqual(['ok.txt', 'sub', 'sub/inner.txt']);
  });

  it('never deletes a destination entry the destination could only list as a problem', async () => {
    memoryStore('src').putFile('ok.txt', 'fine');
    memoryStore('dst').putFile('extra.txt', 'extra');
    const destination = new HostileSource('dst', [
      refusedNameEntry('', '..', 'SMB name', 'the name ".."'),
    ]);
    const { execution, files } = await run(new MemoryLocation('src'), destination, {
      PreserveDeletedFiles: 'REMOVE',
      TransferMode: 'CHANGED',
    });
    expect(execution.status).toBe('SUCCESS');
    expect(files.filter((f) => f.action === 'deleted').map((f) => f.path)).toEqual(['extra.txt']);
    expect(memoryStore('dst').paths().sort()).toEqual(['ok.txt']);
  });

  it('fails the later of two names that differ only in case when the destination ignores case', async () => {
    memoryStore('src').putFile('A.txt', 'upper');
    memoryStore('src').putFile('a.txt', 'lower');
    memoryStore('src').putFile('Docs/x.txt', 'upper folder');
    memoryStore('src').putFile('docs/x.txt', 'lower folder');
    memoryStore('src').putFile('other.txt', 'other');
    const { execution, files } = await run(
      new MemoryLocation('src'),
      new CaseInsensitiveMemory('dst'),
    );
    expect(execution.status).toBe('ERROR');
    expect(execution.error).toMatchObject({ code: 'invalid-name' });
    expect(execution.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 2 });
    const failed = files.filter((f) => f.action === 'failed');
    expect(failed.map((f) => [f.path, f.errorCode])).toEqual([
      ['a.txt', 'invalid-name'],
      ['docs', 'invalid-name'],
    ]);
    expect(failed[0]?.detail).toBe(
      'not copied: the destination ignores case, and this file\'s name "a.txt" differs from "A.txt" only in case (only "A.txt" is copied)',
    );
    expect(failed[1]?.detail).toContain('this folder (and everything in it)\'s name "docs"');
    // Verified without a second report line for the refused names.
    expect(
      files
        .filter((f) => f.action === 'verified')
        .map((f) => f.path)
        .sort(),
    ).toEqual(['A.txt', 'Docs/x.txt', 'other.txt']);
    expect(memoryStore('dst').paths().sort()).toEqual(['A.txt', 'Docs', 'Docs/x.txt', 'other.txt']);
  });

  it('keeps both names on a destination that tells case apart', async () => {
    memoryStore('src').putFile('A.txt', 'upper');
    memoryStore('src').putFile('a.txt', 'lower');
    const { execution } = await run(new MemoryLocation('src'), new MemoryLocation('dst'));
    expect(execution.status).toBe('SUCCESS');
    expect(memoryStore('dst').paths().sort()).toEqual(['A.txt', 'a.txt']);
  });
});

describe('a destination folder that is a symbolic link', () => {
  let root: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir: root, remove } = await tempDir('hostile-link'));
  });
  afterEach(async () => remove());

  it.each([
    ['ALL', false],
    ['CHANGED', false],
    ['ALL', true],
  ] as const)(
    'is never written through (TransferMode %s, blocking I/O %s): the files under it fail with not-dir',
    async (mode, blockingIo) => {
      const src = path.join(root, 'src');
      const dst = path.join(root, 'dst');
      const outside = path.join(root, 'outside');
      mkdirSync(path.join(src, 'docs/deeper'), { recursive: true });
      mkdirSync(dst);
      mkdirSync(outside);
      writeFileSync(path.join(src, 'docs/passwd'), 'would overwrite a file outside');
      writeFileSync(path.join(src, 'docs/deeper/x.txt'), 'would land outside');
      writeFileSync(path.join(src, 'ok.txt'), 'fine');
      writeFileSync(path.join(outside, 'passwd'), 'original');
      symlinkSync(outside, path.join(dst, 'docs'));
      const locations: Location[] = [
        new LocalLocation(src, { blockingIo }),
        new LocalLocation(dst, { blockingIo }),
      ];
      const { execution, files } = await run(locations[0] as Location, locations[1] as Location, {
        TransferMode: mode,
      });
      expect(execution.status).toBe('ERROR');
      expect(readdirSync(outside)).toEqual(['passwd']);
      expect(readFileSync(path.join(outside, 'passwd'), 'utf8')).toBe('original');
      expect(readFileSync(path.join(dst, 'ok.txt'), 'utf8')).toBe('fine');
      const failed = files.filter((f) => f.action === 'failed');
      expect(failed.map((f) => f.path)).toEqual(
        expect.arrayContaining(['docs/passwd', 'docs/deeper/x.txt']),
      );
      for (const f of failed) {
        expect(f.errorCode).toBe('not-dir');
        expect(f.detail).toBe(
          `Not a folder: ${path.join(dst, 'docs')} is a symbolic link, and writing through it would leave ${dst}`,
        );
      }
    },
  );
});
