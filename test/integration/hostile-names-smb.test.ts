import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocation } from '../../src-main/locations/registry';
import type { FileResult } from '../../src-shared/model/execution';
import { tempDir } from '../support/engine-harness';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';
import { localSide, rawTree, runEngine, smbSide } from './hostile-names-harness';

/*
 * Names and SMB, against a private Samba: a Linux folder whose names SMB reads differently (a
 * backslash is a separator there, so a folder named `dir\..\..` once put its files two folders
 * above the destination; a colon names a stream) copied to a share, and a share whose files on
 * disk have names Windows forbids, copied out. What Samba shows of those is its own mapping
 * (8.3 "mangled" names): safe, and the files arrive whole.
 */

let smb: RunningSmbServer;
let base: string;
let removeBase: () => Promise<void>;
beforeAll(async () => {
  smb = await startSmbServer();
}, 60_000);
afterAll(async () => smb?.stop());
beforeEach(async () => {
  ({ dir: base, remove: removeBase } = await tempDir('hostile-smb'));
});
afterEach(async () => removeBase());

const raw = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

function failedOrSkipped(files: FileResult[]): string[] {
  return files
    .filter((f) => ['failed', 'folder-failed', 'not-copied', 'skipped'].includes(f.action))
    .map((f) => `${f.action} ${f.path} ${f.errorCode ?? '-'}`)
    .sort();
}

describe('names at an SMB destination', () => {
  it('refuses every name SMB would read differently, per file, and writes nothing outside the destination', async () => {
    const src = path.join(base, 'src');
    mkdirSync(path.join(src, 'dir\\..\\..'), { recursive: true });
    mkdirSync(path.join(src, 'sub'));
    const names: Record<string, string> = {
      'ok.txt': 'fine',
      'sub/ok.txt': 'fine inside',
      'dir\\..\\../inner.txt': 'would land two folders up',
      '..\\escape.txt': 'would land one folder up',
      'a\\b': 'would land in a folder a',
      'a:b': 'would be the stream b of a',
      'trail.': 'trailing dot',
      'trail ': 'trailing space',
      con: 'device',
      'q?': 'wildcard',
      'new\nline': 'control character',
      'A.txt': 'upper',
      'a.txt': 'lower',
    };
    for (const [name, body] of Object.entries(names)) writeFileSync(path.join(src, name), body);
    writeFileSync(raw(`${src}/bad-`, [0xff], '.txt'), 'not UTF-8');
    const shareFolder = path.join(smb.root, 'local-dst');
    mkdirSync(path.join(shareFolder, 'inside'), { recursive: true });
    writeFileSync(path.join(shareFolder, 'beside.txt'), 'must stay alone');
    smb.giveToUser(shareFolder);
    const before = rawTree(smb.root);

    const { execution, files } = await runEngine(localSide(src), smbSide(smb, 'local-dst/inside'));
    expect(execution.status).toBe('ERROR');
    expect(execution.error).toMatchObject({ code: 'invalid-name' });
    // The folder is counted as a folder; the name no SMB server can be given is not copied.
    expect(execution.error?.message).toMatch(/^10 file\(s\) failed/);
    expect(execution.error?.message).toContain('; 1 folder(s) could not be created or updated; ');
    expect(execution.error?.message).toContain('; 1 entry was not copied: /"bad-');
    expect(failedOrSkipped(files)).toEqual(
      [
        'folder-failed dir\\..\\.. invalid-name',
        'failed dir\\..\\../inner.txt invalid-name',
        'failed ..\\escape.txt invalid-name',
        'failed a\\b invalid-name',
        'failed a:b invalid-name',
        'failed trail. invalid-name',
        'failed trail  invalid-name',
        'failed con invalid-name',
        'failed q? invalid-name',
        'failed new\nline invalid-name',
        'failed a.txt invalid-name',
        'not-copied "bad-\uFFFD.txt" invalid-name',
      ].sort(),
    );
    const detail = (p: string): string => files.find((f) => f.path === p)?.detail ?? '';
    expect(detail('dir\\..\\../inner.txt')).toBe(
      `Invalid name on SMB: "dir\\\\..\\\\.." in SMB //127.0.0.1:${smb.port}/data/local-dst/inside/dir\\..\\../inner.txt: it has a "\\" in its name, which SMB reads as a folder separator`,
    );
    expect(detail('"bad-\uFFFD.txt"')).toContain('not valid UTF-8 (its bytes: 6261642dff2e747874)');
    expect(rawTree(smb.root)).toEqual({
      ...before,
      'local-dst/inside/A.txt': 'file 5',
      'local-dst/inside/ok.txt': 'file 4',
      'local-dst/inside/sub': 'dir',
      'local-dst/inside/sub/ok.txt': 'file 11',
    });
    expect(readFileSync(path.join(shareFolder, 'inside/A.txt'), 'utf8')).toBe('upper');
  });
});

describe('names at an SMB source', () => {
  it('copies a share whose files have names Windows forbids: Samba shows them mangled, they arrive whole, none outside', async () => {
    const folder = path.join(smb.root, 'odd-src');
    mkdirSync(path.join(folder, 'dir\\..\\..'), { recursive: true });
    const bodies: Record<string, string> = {
      'ok.txt': 'fine',
      'a:b': 'colon',
      'trail.': 'trailing dot',
      '...': 'dots only',
      'a\\b': 'backslash',
      'new\nline': 'newline',
      'q?': 'wildcard',
      'dir\\..\\../inner.txt': 'inside a folder named with backslashes',
    };
    for (const [name, body] of Object.entries(bodies)) writeFileSync(path.join(folder, name), body);
    writeFileSync(raw(`${folder}/bad-`, [0xff], '.txt'), 'not UTF-8');
    smb.giveToUser(folder);
    const parent = path.join(base, 'parent');
    const dst = path.join(parent, 'dst');
    mkdirSync(dst, { recursive: true });
    writeFileSync(path.join(parent, 'sibling.txt'), 'alone');

    // What our client is given for those names: no separator, colon or control character.
    const source = createLocation(smbSide(smb, 'odd-src').config, smbSide(smb, 'odd-src').secrets);
    const listed = await source.list('', AbortSignal.timeout(15_000));
    await source.close();
    // Samba does not list the name that is not UTF-8 at all (it cannot convert it for SMB):
    // no SMB client can see that file. The other eight come mangled or as they are.
    expect(listed).toHaveLength(8);
    for (const entry of listed) expect(entry.path).not.toMatch(/[\\/:*?"<>|\n]/);
    expect(listed.filter((e) => e.problem !== undefined)).toEqual([]);

    const { execution, files } = await runEngine(smbSide(smb, 'odd-src'), localSide(dst));
    expect(execution.status, JSON.stringify(execution.error)).toBe('SUCCESS');
    expect(execution.counters).toMatchObject({ FilesTransferred: 8, FilesFailed: 0 });
    expect(failedOrSkipped(files)).toEqual([]);
    const tree = rawTree(parent);
    expect(tree['sibling.txt']).toBe('file 5');
    expect(Object.keys(tree).filter((p) => !p.startsWith('dst'))).toEqual(['sibling.txt']);
    // Every name is ok.txt or a Samba 8.3 mangled name, each file whole.
    const copied = Object.keys(tree).filter(
      (p) => tree[p]?.startsWith('file') && p !== 'sibling.txt',
    );
    expect(copied).toHaveLength(8);
    for (const p of copied)
      expect(p).toMatch(/^dst\/(ok\.txt|[A-Z0-9_]{6}~[A-Z0-9](\/inner\.txt)?)$/);
    const contents = copied.map((p) => readFileSync(path.join(parent, p), 'utf8')).sort();
    expect(contents).toEqual(Object.values(bodies).sort());
  });
});
