import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FileResult } from '../../src-shared/model/execution';
import { tempDir } from '../support/engine-harness';
import { startS3Server, type RunningS3Server } from '../support/s3-servers';
import { startSmbServer, type RunningSmbServer } from '../support/smb-server';
import {
  localSide,
  rawTree,
  runEngine,
  s3Side,
  smbSide,
  startMemoryFauxqs,
} from './hostile-names-harness';

/*
 * S3 as a source of hostile names, against fauxqs: object keys that try to leave the
 * destination (`../escape.txt`, `a/../../b`, `/abs.txt`, `..`), that no file can be named
 * (`a//b.txt`, `./x`, a NUL), and keys that are fine in S3 but not at every destination (a
 * backslash, a colon, `con`, a trailing dot, two names that differ only in case, a segment longer
 * than 255 bytes). The real engine copies the bucket to a local folder and to a Samba share;
 * the disk around the destination is compared byte for byte before and after.
 */

let server: RunningS3Server;
let smb: RunningSmbServer;
let base: string;
let removeBase: () => Promise<void>;

beforeAll(async () => {
  [server, smb] = await Promise.all([startS3Server('fauxqs'), startSmbServer()]);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await smb?.stop();
});
beforeEach(async () => {
  ({ dir: base, remove: removeBase } = await tempDir('hostile-s3'));
});
afterEach(async () => removeBase());

let buckets = 0;
async function bucketWith(client: S3Client, keys: Record<string, string>): Promise<string> {
  const bucket = `hostile-${++buckets}`;
  await server.createBucket(bucket);
  for (const [key, body] of Object.entries(keys)) await put(client, bucket, key, body);
  return bucket;
}

async function put(client: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Report lines as "action path errorCode", sorted, for one-glance comparison. */
function summary(files: FileResult[], action: FileResult['action']): string[] {
  return files
    .filter((f) => f.action === action)
    .map((f) => `${f.path} ${f.errorCode ?? '-'}`)
    .sort();
}

describe('S3 keys that try to leave the destination', () => {
  it('copies the bucket root to a local folder: hostile keys not copied (invalid-name, run ERROR), nothing outside, the rest byte for byte', async () => {
    const keys: Record<string, string> = {
      'ok.txt': 'fine',
      'sub/ok2.txt': 'fine too',
      '../escape.txt': 'escape from the root',
      '/abs.txt': 'absolute',
      '..': 'dot dot',
      'a/../../b': 'escape from a folder',
      'a//b.txt': 'empty segment',
      './x': 'dot segment',
      'a/./b': 'dot segment inside',
      'nul\0byte': 'NUL',
      'dir\\..\\..\\win.txt': 'backslashes are plain characters on Linux',
      con: 'reserved on Windows only',
      'a:b': 'a colon',
      'A.txt': 'upper',
      'a.txt': 'lower',
      // Data under a key ending in '/': only a folder can have that name (issue 15, item 2).
      'marker-with-data/': 'bytes no file name can hold',
    };
    const bucket = await bucketWith(server.client, keys);
    const parent = path.join(base, 'parent');
    const dst = path.join(parent, 'dst');
    mkdirSync(dst, { recursive: true });
    writeFileSync(path.join(parent, 'sibling.txt'), 'must stay alone');
    const before = rawTree(parent);

    const first = await runEngine(s3Side(server, bucket, ''), localSide(dst));
    // Keys left behind: never a complete copy, never counted as skipped (issue 15, item 2).
    expect(first.execution.status, JSON.stringify(first.execution.error)).toBe('ERROR');
    expect(first.execution.error).toMatchObject({ code: 'invalid-name' });
    expect(first.execution.error?.message).toMatch(/^9 entries were not copied: \/"/);
    expect(first.execution.counters).toMatchObject({
      FilesTransferred: 7,
      FilesFailed: 0,
      FilesSkipped: 0,
      FilesNotCopied: 9,
    });
    expect(rawTree(parent)).toEqual({
      ...before,
      'dst/A.txt': 'file 5',
      'dst/a': 'dir',
      'dst/a.txt': 'file 5',
      'dst/a:b': 'file 7',
      'dst/con': 'file 24',
      'dst/dir\\..\\..\\win.txt': 'file 41',
      'dst/marker-with-data': 'dir',
      'dst/ok.txt': 'file 4',
      'dst/sub': 'dir',
      'dst/sub/ok2.txt': 'file 8',
    });
    for (const key of ['ok.txt', 'sub/ok2.txt', 'dir\\..\\..\\win.txt', 'con', 'a:b', 'A.txt']) {
      expect(readFileSync(path.join(dst, key), 'utf8')).toBe(keys[key]);
    }
    // One line per unsafe key prefix, each naming the key, none followed.
    const skipped = first.files.filter((f) => f.action === 'not-copied');
    expect(summary(first.files, 'not-copied')).toEqual(
      [
        '"" invalid-name',
        '".." invalid-name',
        '".." invalid-name',
        '"." invalid-name',
        '"nul\\u0000byte" invalid-name',
        'a/"" invalid-name',
        'a/".." invalid-name',
        'a/"." invalid-name',
        'marker-with-data/"" invalid-name',
      ].sort(),
    );
    const details = skipped.map((f) => f.detail ?? '').join('\n');
    for (const key of ['/', '../', '..', './', 'nul\\u0000byte', 'a//', 'a/../', 'a/./']) {
      expect(details).toContain(`object key "${key}" cannot be a file name`);
    }
    expect(details).toContain(
      'object key "marker-with-data/" cannot be a file name: it has 27 byte(s) of data under a key ending in "/"',
    );
    expect(details).not.toContain('\0');

    // Again, comparing and with deletes on: the hostile keys change nothing, nothing is removed.
    const afterFirst = rawTree(parent);
    const again = await runEngine(s3Side(server, bucket, ''), localSide(dst), {
      TransferMode: 'CHANGED',
      PreserveDeletedFiles: 'REMOVE',
    });
    expect(again.execution.status).toBe('ERROR');
    expect(again.execution.counters).toMatchObject({
      FilesTransferred: 0,
      FilesDeleted: 0,
      FilesFailed: 0,
      FilesNotCopied: 9,
    });
    expect(summary(again.files, 'not-copied')).toEqual(summary(first.files, 'not-copied'));
    expect(rawTree(parent)).toEqual(afterFirst);
  });

  it('copies to a Samba share: names SMB cannot hold fail per file with invalid-name, nothing lands outside', async () => {
    const bucket = await bucketWith(server.client, {
      'ok.txt': 'fine',
      'sub/inner.txt': 'inner',
      'dir\\..\\..\\win.txt': 'would climb two folders on SMB',
      'a:b': 'would be the stream b of a',
      con: 'a device on Windows',
      'trail.': 'a trailing dot',
      'A.txt': 'upper',
      'a.txt': 'lower: same name on SMB',
      '../up.txt': 'escape',
    });
    const shareFolder = path.join(smb.root, 's3-dst');
    mkdirSync(path.join(shareFolder, 'inside'), { recursive: true });
    smb.giveToUser(shareFolder);
    const { execution, files } = await runEngine(
      s3Side(server, bucket, ''),
      smbSide(smb, 's3-dst/inside'),
    );
    expect(execution.status).toBe('ERROR');
    expect(execution.error).toMatchObject({ code: 'invalid-name' });
    expect(execution.counters).toMatchObject({ FilesTransferred: 3, FilesFailed: 5 });
    expect(summary(files, 'failed')).toEqual([
      'a.txt invalid-name',
      'a:b invalid-name',
      'con invalid-name',
      'dir\\..\\..\\win.txt invalid-name',
      'trail. invalid-name',
    ]);
    const detail = (p: string): string => files.find((f) => f.path === p)?.detail ?? '';
    expect(detail('dir\\..\\..\\win.txt')).toContain('which SMB reads as a folder separator');
    expect(detail('a:b')).toContain('which SMB reads as a stream name');
    expect(detail('con')).toContain('a name Windows reserves for a device');
    expect(detail('trail.')).toContain('a trailing dot or space');
    expect(detail('a.txt')).toContain('differs from "A.txt" only in case');
    expect(summary(files, 'not-copied')).toEqual(['".." invalid-name']);
    expect(rawTree(shareFolder)).toEqual({
      inside: 'dir',
      'inside/A.txt': 'file 5',
      'inside/ok.txt': 'file 4',
      'inside/sub': 'dir',
      'inside/sub/inner.txt': 'file 5',
    });
    expect(readFileSync(path.join(shareFolder, 'inside/A.txt'), 'utf8')).toBe('upper');
  });

  it('fails a key segment longer than 255 bytes at a local destination, and copies the rest', async () => {
    const memory = await startMemoryFauxqs('long-names');
    try {
      const long = `${'x'.repeat(300)}.txt`;
      const longDir = 'z'.repeat(256);
      const fits = `${'y'.repeat(251)}.txt`;
      await put(memory.client, 'long-names', 'ok.txt', 'fine');
      await put(memory.client, 'long-names', long, 'too long for ext4');
      await put(memory.client, 'long-names', `${longDir}/inside.txt`, 'in a folder too long');
      await put(memory.client, 'long-names', fits, 'just fits');
      const parent = path.join(base, 'parent');
      const dst = path.join(parent, 'dst');
      mkdirSync(dst, { recursive: true });
      writeFileSync(path.join(parent, 'sibling.txt'), 'alone');
      const { execution, files } = await runEngine(
        s3Side(memory, 'long-names', ''),
        localSide(dst),
      );
      expect(execution.status).toBe('ERROR');
      expect(execution.error).toMatchObject({ code: 'invalid-name' });
      // The folder that cannot be created is a folder's failure, counted apart from files'.
      expect(execution.counters).toMatchObject({
        FilesTransferred: 2,
        FilesFailed: 2,
        FoldersFailed: 1,
      });
      expect(summary(files, 'failed')).toEqual(
        [`${long} invalid-name`, `${longDir}/inside.txt invalid-name`].sort(),
      );
      expect(summary(files, 'folder-failed')).toEqual([`${longDir} invalid-name`]);
      for (const f of files.filter((r) => r.action === 'failed')) {
        expect(f.detail).toMatch(/^Invalid name: \//);
      }
      // No temporary left behind, nothing outside.
      expect(rawTree(parent)).toEqual({
        dst: 'dir',
        'dst/ok.txt': 'file 4',
        [`dst/${fits}`]: 'file 9',
        'sibling.txt': 'file 5',
      });
    } finally {
      await memory.stop();
    }
  });
});
