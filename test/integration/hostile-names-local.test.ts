import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FileResult } from '../../src-shared/model/execution';
import { tempDir } from '../support/engine-harness';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';
import { localSide, rawTree, runEngine, s3Side } from './hostile-names-harness';

/*
 * A Linux folder as a source of odd names: a backslash, a newline, a colon, bytes that are not
 * UTF-8 (two names that decode alike, and a folder). To a local folder and to S3 (keys, checked
 * on fauxqs) the valid names travel as they are; the names that are not UTF-8 are refused and
 * reported one by one with their bytes, instead of vanishing from the listing as before.
 * (To SMB: hostile-names-smb.test.ts.)
 */

let server: RunningS3Server;
let base: string;
let removeBase: () => Promise<void>;
beforeAll(async () => {
  server = await startS3Server('fauxqs');
  await server.createBucket('from-local');
}, 60_000);
afterAll(async () => server?.stop());
beforeEach(async () => {
  ({ dir: base, remove: removeBase } = await tempDir('hostile-local'));
});
afterEach(async () => removeBase());

const raw = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

const BODIES: Record<string, string> = {
  'ok.txt': 'fine',
  'back\\slash': 'backslash',
  'new\nline': 'newline',
  'a:b': 'colon',
  'dir\\..\\../inner.txt': 'inner',
};

function arrange(): string {
  const src = path.join(base, 'src');
  mkdirSync(path.join(src, 'dir\\..\\..'), { recursive: true });
  for (const [name, body] of Object.entries(BODIES)) writeFileSync(path.join(src, name), body);
  writeFileSync(raw(`${src}/bad-`, [0xff], '.txt'), 'first not UTF-8');
  writeFileSync(raw(`${src}/bad-`, [0xfe], '.txt'), 'second not UTF-8');
  mkdirSync(raw(`${src}/dir-`, [0xc3, 0x28]));
  writeFileSync(raw(`${src}/dir-`, [0xc3, 0x28], '/hidden.txt'), 'in a folder not UTF-8');
  return src;
}

/** The not-copied lines, with the bytes each names. */
function refused(files: FileResult[]): string[] {
  return files
    .filter((f) => f.action === 'not-copied')
    .map((f) => `${f.path} ${f.errorCode} ${/its bytes: ([0-9a-f]+)/.exec(f.detail ?? '')?.[1]}`)
    .sort();
}

const EXPECTED_REFUSED = [
  '"bad-\uFFFD.txt" invalid-name 6261642dfe2e747874',
  '"bad-\uFFFD.txt" invalid-name 6261642dff2e747874',
  '"dir-\uFFFD(" invalid-name 6469722dc328',
];

describe('odd names at a local source', () => {
  it('copies valid names as they are to a local folder and reports each name that is not UTF-8', async () => {
    const src = arrange();
    const parent = path.join(base, 'parent');
    const dst = path.join(parent, 'dst');
    mkdirSync(dst, { recursive: true });
    writeFileSync(path.join(parent, 'sibling.txt'), 'alone');
    const { execution, files } = await runEngine(localSide(src), localSide(dst));
    // Names left behind: never a complete copy (issue 15 item 2).
    expect(execution.status, JSON.stringify(execution.error)).toBe('ERROR');
    expect(execution.error?.message).toMatch(/^3 entries were not copied: \/"bad-/);
    expect(execution.counters).toMatchObject({
      FilesTransferred: 5,
      FilesSkipped: 0,
      FilesNotCopied: 3,
    });
    expect(refused(files)).toEqual(EXPECTED_REFUSED);
    expect(rawTree(parent)).toEqual({
      dst: 'dir',
      'dst/a:b': 'file 5',
      'dst/back\\slash': 'file 9',
      'dst/dir\\..\\..': 'dir',
      'dst/dir\\..\\../inner.txt': 'file 5',
      'dst/new\nline': 'file 7',
      'dst/ok.txt': 'file 4',
      'sibling.txt': 'file 5',
    });
    for (const [name, body] of Object.entries(BODIES)) {
      expect(readFileSync(path.join(dst, name), 'utf8')).toBe(body);
    }
  });

  it('copies valid names as keys to S3 and reports each name that is not UTF-8', async () => {
    const src = arrange();
    const { execution, files } = await runEngine(
      localSide(src),
      s3Side(server, 'from-local', 'keys'),
    );
    // Names left behind: never a complete copy (issue 15 item 2).
    expect(execution.status, JSON.stringify(execution.error)).toBe('ERROR');
    expect(execution.error?.message).toMatch(/^3 entries were not copied: \/"bad-/);
    expect(execution.counters).toMatchObject({
      FilesTransferred: 5,
      FilesSkipped: 0,
      FilesNotCopied: 3,
    });
    expect(refused(files)).toEqual(EXPECTED_REFUSED);
    expect(await server.listKeys('from-local', 'keys/')).toEqual(
      [
        'keys/',
        'keys/a:b',
        'keys/back\\slash',
        'keys/dir\\..\\../',
        'keys/dir\\..\\../inner.txt',
        'keys/new\nline',
        'keys/ok.txt',
      ].sort(),
    );
    for (const [name, body] of Object.entries(BODIES)) {
      const object = await server.client.send(
        new GetObjectCommand({ Bucket: 'from-local', Key: `keys/${name}` }),
      );
      expect(await object.Body?.transformToString()).toBe(body);
    }
  });

  it('issue 15 item 2: a link and a FIFO towards S3 (no links there) are not copied, named, and the run ends ERROR', async () => {
    const src = path.join(base, 'links');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'file.txt'), 'data');
    symlinkSync('file.txt', path.join(src, 'link'));
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const { execution, files } = await runEngine(
      localSide(src),
      s3Side(server, 'from-local', 'links'),
    );
    expect(execution.status).toBe('ERROR');
    expect(execution.counters).toMatchObject({
      FilesTransferred: 1,
      FilesSkipped: 0,
      FilesNotCopied: 2,
    });
    expect(execution.error?.message).toMatch(
      /^2 entries were not copied: \/link \(symbolic link not copied: the destination cannot hold links\), \/pipe \(special file/,
    );
    expect(files.filter((f) => f.action === 'not-copied').map((f) => f.path)).toEqual([
      'link',
      'pipe',
    ]);
    expect(await server.listKeys('from-local', 'links/')).toEqual(['links/', 'links/file.txt']);
  });
});
