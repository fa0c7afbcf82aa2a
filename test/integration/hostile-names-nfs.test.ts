import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FileResult } from '../../src-shared/model/execution';
import { tempDir } from '../support/engine-harness';
import { startNfsServer, type RunningNfsServer } from '../support/nfs-server';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';
import { localSide, nfsSide, rawTree, runEngine, smbSide } from './hostile-names-harness';

/*
 * NFS as a source of odd names, against nfs-ganesha serving a Linux folder, where a name may
 * hold any byte but '/' and NUL: a backslash, a newline, bytes that are not UTF-8, 255 bytes.
 * The first three are faithful names on a Linux destination; the name that is not UTF-8 cannot
 * be named again through a client that speaks text, so it is refused and reported (folder and
 * all), never read under a wrong name. To SMB, backslash and newline are refused per file.
 */

let nfs: RunningNfsServer;
let smb: RunningSmbServer;
let base: string;
let removeBase: () => Promise<void>;
let count = 0;
beforeAll(async () => {
  [nfs, smb] = await Promise.all([startNfsServer(), startSmbServer()]);
}, 60_000);
afterAll(async () => {
  await nfs?.stop();
  await smb?.stop();
});
beforeEach(async () => {
  ({ dir: base, remove: removeBase } = await tempDir('hostile-nfs'));
});
afterEach(async () => removeBase());

const raw = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

const LONG = `${'n'.repeat(251)}.txt`; // 255 bytes, the most ext4 and NFS allow

/** A fresh folder in the export with odd names; returns its name. */
function arrange(): string {
  const folder = `odd-${++count}`;
  const root = path.join(nfs.root, folder);
  mkdirSync(path.join(root, 'dir\\..\\..'), { recursive: true });
  writeFileSync(path.join(root, 'ok.txt'), 'fine');
  writeFileSync(path.join(root, 'back\\slash'), 'backslash');
  writeFileSync(path.join(root, 'new\nline'), 'newline');
  writeFileSync(path.join(root, LONG), 'long name');
  writeFileSync(path.join(root, 'dir\\..\\..', 'inner.txt'), 'inner');
  writeFileSync(raw(`${root}/bad-`, [0xff, 0xfe], '.txt'), 'not UTF-8');
  mkdirSync(raw(`${root}/dir-`, [0xc3, 0x28]));
  writeFileSync(raw(`${root}/dir-`, [0xc3, 0x28], '/hidden.txt'), 'in a folder not UTF-8');
  return folder;
}

function lines(files: FileResult[], ...actions: FileResult['action'][]): string[] {
  return files
    .filter((f) => actions.includes(f.action))
    .map((f) => `${f.action} ${f.path} ${f.errorCode ?? '-'}`)
    .sort();
}

describe('odd names at an NFS source', () => {
  it('copies backslash, newline and 255-byte names faithfully to a local folder, and refuses names that are not UTF-8', async () => {
    const folder = arrange();
    const parent = path.join(base, 'parent');
    const dst = path.join(parent, 'dst');
    mkdirSync(dst, { recursive: true });
    writeFileSync(path.join(parent, 'sibling.txt'), 'alone');
    const { execution, files } = await runEngine(nfsSide(nfs, folder), localSide(dst));
    // Names left behind: not a complete copy (issue 15, item 2).
    expect(execution.status, JSON.stringify(execution.error)).toBe('ERROR');
    expect(execution.counters).toMatchObject({
      FilesTransferred: 5,
      FilesSkipped: 0,
      FilesNotCopied: 2,
    });
    expect(lines(files, 'skipped', 'not-copied', 'failed')).toEqual([
      'not-copied "bad-\uFFFD\uFFFD.txt" invalid-name',
      'not-copied "dir-\uFFFD(" invalid-name',
    ]);
    for (const line of files.filter((f) => f.action === 'not-copied')) {
      expect(line.detail).toContain('cannot be transferred: it has a name that is not valid UTF-8');
    }
    expect(rawTree(parent)).toEqual({
      dst: 'dir',
      'dst/back\\slash': 'file 9',
      'dst/dir\\..\\..': 'dir',
      'dst/dir\\..\\../inner.txt': 'file 5',
      [`dst/${LONG}`]: 'file 9',
      'dst/new\nline': 'file 7',
      'dst/ok.txt': 'file 4',
      'sibling.txt': 'file 5',
    });
    expect(readFileSync(path.join(dst, 'dir\\..\\..', 'inner.txt'), 'utf8')).toBe('inner');
  });

  it('copies to SMB: backslash and newline names fail per file with invalid-name, nothing lands outside', async () => {
    const folder = arrange();
    const shareFolder = path.join(smb.root, 'from-nfs');
    mkdirSync(path.join(shareFolder, 'inside'), { recursive: true });
    smb.giveToUser(shareFolder);
    const { execution, files } = await runEngine(
      nfsSide(nfs, folder),
      smbSide(smb, 'from-nfs/inside'),
    );
    expect(execution.status).toBe('ERROR');
    expect(execution.error).toMatchObject({ code: 'invalid-name' });
    expect(lines(files, 'skipped', 'not-copied', 'failed', 'folder-failed')).toEqual(
      [
        'failed back\\slash invalid-name',
        'folder-failed dir\\..\\.. invalid-name',
        'failed dir\\..\\../inner.txt invalid-name',
        'failed new\nline invalid-name',
        'not-copied "bad-\uFFFD\uFFFD.txt" invalid-name',
        'not-copied "dir-\uFFFD(" invalid-name',
      ].sort(),
    );
    expect(rawTree(shareFolder)).toEqual({
      inside: 'dir',
      [`inside/${LONG}`]: 'file 9',
      'inside/ok.txt': 'file 4',
    });
  });
});
