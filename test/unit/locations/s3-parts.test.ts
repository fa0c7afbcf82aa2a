import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { contentTypeFor } from '../../../src-main/locations/s3/content-type';
import { FolderCache } from '../../../src-main/locations/s3/folder-cache';
import { S3KeyMap, unsafeKeyName } from '../../../src-main/locations/s3/s3-keys';
import {
  fromUserMetadata,
  mergeUserMetadata,
  toUserMetadata,
} from '../../../src-main/locations/s3/s3-metadata';
import { narrowToRange } from '../../../src-main/locations/s3/s3-read';
import { DEFAULT_PART_SIZE, partSizeFor } from '../../../src-main/locations/s3/s3-upload';
import { Semaphore } from '../../../src-main/locations/s3/semaphore';

const MIB = 1024 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('S3 user metadata', () => {
  it("writes rclone's and DataSync's keys and reads them back to the microsecond", () => {
    const meta = toUserMetadata(
      {
        mtimeMs: 1_600_000_000_123.456,
        atimeMs: 1_500_000_000_000,
        mode: 0o4755,
        uid: 1000,
        gid: 50,
      },
      'file',
    );
    expect(meta).toEqual({
      mtime: '1600000000.123456000',
      atime: '1500000000.000000000',
      mode: '104755',
      uid: '1000',
      gid: '50',
      'file-mtime': '1600000000123456000ns',
      'file-atime': '1500000000000000000ns',
      'file-permissions': '0104755',
      'file-owner': '1000',
      'file-group': '50',
    });
    expect(toUserMetadata({ mode: 0o750 }, 'dir')).toEqual({
      mode: '40750',
      'file-permissions': '040750',
    });
    expect(toUserMetadata({ mode: 0o750, uid: 7 }, 'dir', 'rclone')).toEqual({
      mode: '40750',
      uid: '7',
    });
    expect(toUserMetadata({ mode: 0o750, uid: 7 }, 'dir', 'datasync')).toEqual({
      'file-permissions': '040750',
      'file-owner': '7',
    });
    const back = fromUserMetadata(meta);
    expect(back.mtimeMs).toBeCloseTo(1_600_000_000_123.456, 3);
    expect(back).toMatchObject({ atimeMs: 1_500_000_000_000, mode: 0o4755, uid: 1000, gid: 50 });
  });

  it('keeps nanoseconds where the update carries them, and only while they agree with mtimeMs', () => {
    const ns = '1614834367123456789';
    expect(toUserMetadata({ mtimeMs: 1_614_834_367_123.4568, mtimeNs: ns }, 'file')).toEqual({
      mtime: '1614834367.123456789',
      'file-mtime': '1614834367123456789ns',
    });
    // A stale nanosecond count (the file changed and mtimeMs was re-read) does not win.
    expect(toUserMetadata({ mtimeMs: 1_614_834_999_000, mtimeNs: ns }, 'file', 'rclone')).toEqual({
      mtime: '1614834999.000000000',
    });
    expect(fromUserMetadata({ mtime: '1614834367.123456789' })).toMatchObject({ mtimeNs: ns });
    expect(fromUserMetadata({ 'file-mtime': `${ns}ns` })).toMatchObject({ mtimeNs: ns });
  });

  it("reads DataSync's keys (file-mtime in ns, or ms without the suffix; file-permissions...)", () => {
    const read = fromUserMetadata({
      'file-mtime': '1589906471163000000ns',
      'file-atime': '1589906471000',
      'file-permissions': '0100755',
      'file-owner': '1001',
      'file-group': '1002',
    });
    expect(read).toEqual({
      mtimeMs: 1_589_906_471_163,
      mtimeNs: '1589906471163000000',
      atimeMs: 1_589_906_471_000,
      mode: 0o755,
      uid: 1001,
      gid: 1002,
    });
    // rclone's key wins where both are present: rclone re-stamps `mtime` only.
    expect(
      fromUserMetadata({ mtime: '1600000000.5', 'file-mtime': '1589906471163000000ns' }).mtimeMs,
    ).toBe(1_600_000_000_500);
  });

  it('keeps times before 1970 and reads RFC 3339 times other tools write', () => {
    expect(fromUserMetadata(toUserMetadata({ mtimeMs: -1500.25 }, 'file')).mtimeMs).toBeCloseTo(
      -1500.25,
      3,
    );
    // rclone (Go's Time.Unix): floored seconds, a positive fraction.
    expect(toUserMetadata({ mtimeMs: -1500.25 }, 'file', 'rclone')).toEqual({
      mtime: '-2.499750000',
    });
    expect(fromUserMetadata({ mtime: '2023-05-11T17:54:11.523399602+01:00' }).mtimeMs).toBeCloseTo(
      Date.UTC(2023, 4, 11, 16, 54, 11, 523) + 0.399602,
      3,
    );
  });

  it('ignores malformed values instead of inventing metadata', () => {
    expect(
      fromUserMetadata({ mtime: 'yesterday', mode: '9999', uid: '-1', gid: '99999999999' }),
    ).toEqual({});
    expect(
      fromUserMetadata({
        'file-mtime': '12x ns',
        'file-permissions': 'rw-r--r--',
        'file-owner': 'root',
      }),
    ).toEqual({});
    expect(fromUserMetadata(undefined)).toEqual({});
  });

  it('merges an update into existing metadata, replacing both conventions of what it updates', () => {
    expect(
      mergeUserMetadata(
        { mtime: '1.000000', 'x-other': 'kept', 'file-permissions': '0100644' },
        { mode: 0o600 },
        'file',
        'rclone',
      ),
    ).toEqual({ mtime: '1.000000', 'x-other': 'kept', mode: '100600' });
  });
});

describe('S3 keys', () => {
  it('maps paths under a prefix, tidying slashes', () => {
    const keys = new S3KeyMap('/backups//2024/');
    expect(keys.rootPrefix).toBe('backups/2024/');
    expect(keys.objectKey('a/b.txt')).toBe('backups/2024/a/b.txt');
    expect(keys.folderPrefix('')).toBe('backups/2024/');
    expect(keys.folderPrefix('a')).toBe('backups/2024/a/');
    expect(keys.markerKey('a')).toBe('backups/2024/a/');
    const bucketRoot = new S3KeyMap('');
    expect(bucketRoot.folderPrefix('')).toBe('');
    expect(bucketRoot.markerKey('')).toBeNull();
    expect(bucketRoot.objectKey('x')).toBe('x');
  });

  it('names the problem with key segments that cannot be file names', () => {
    expect(unsafeKeyName('')).toContain('empty');
    expect(unsafeKeyName('..')).toContain('..');
    expect(unsafeKeyName('.')).toContain('"."');
    expect(unsafeKeyName('a\0b')).toContain('NUL');
    for (const fine of ['a', '...', '.hidden', 'with space', 'ünï', 'a\\b']) {
      expect(unsafeKeyName(fine)).toBeNull();
    }
  });
});

describe('multipart part sizes', () => {
  it('uses 8 MiB parts, grown in whole MiB so a file never needs more than 10,000', () => {
    expect(partSizeFor(undefined)).toBe(DEFAULT_PART_SIZE);
    expect(partSizeFor(0)).toBe(8 * MIB);
    expect(partSizeFor(10_000 * 8 * MIB)).toBe(8 * MIB);
    expect(partSizeFor(10_000 * 8 * MIB + 1)).toBe(9 * MIB);
    const fiveTiB = 5 * 1024 * 1024 * MIB;
    const size = partSizeFor(fiveTiB);
    expect(Math.ceil(fiveTiB / size)).toBeLessThanOrEqual(10_000);
    expect(size % MIB).toBe(0);
  });
});

describe('ranged reads', () => {
  const whole = Buffer.from('0123456789');
  const body = (): Readable => Readable.from([whole.subarray(0, 4), whole.subarray(4)]);

  it('passes an exact answer through and cuts a wider one down to the asked bytes', async () => {
    expect((await collect(narrowToRange(body(), 0, 9, 'bytes 0-9/10'))).toString()).toBe(
      '0123456789',
    );
    // s3rver answers "bytes=0-0" with everything; a server may also ignore Range (200).
    expect((await collect(narrowToRange(body(), 0, 0, 'bytes 0-9/10'))).toString()).toBe('0');
    expect((await collect(narrowToRange(body(), 3, 6, undefined))).toString()).toBe('3456');
    expect((await collect(narrowToRange(body(), 8, undefined, undefined))).toString()).toBe('89');
  });

  it('refuses an answer that starts after the asked range', () => {
    expect(() => narrowToRange(body(), 2, 5, 'bytes 4-5/10')).toThrow(
      /from 4 to a read from byte 2/,
    );
  });
});

describe('FolderCache', () => {
  it('remembers listed sub-folders, adds created ones and forgets removed subtrees', () => {
    const cache = new FolderCache();
    expect(cache.get('')).toBeUndefined();
    cache.set('', ['a', 'b']);
    cache.addFolder('c', true);
    expect([...(cache.get('') ?? [])].sort()).toEqual(['a', 'b', 'c']);
    expect(cache.get('c')?.size).toBe(0);
    cache.addFolder('c/d', true);
    expect(cache.get('c')?.has('d')).toBe(true);
    cache.forget('c');
    expect(cache.get('c')).toBeUndefined();
    expect(cache.get('c/d')).toBeUndefined();
    expect(cache.get('')?.has('c')).toBe(false);
    // An existing folder that was not created by us may have children: not assumed empty.
    cache.addFolder('b', false);
    expect(cache.get('b')).toBeUndefined();
  });
});

describe('Semaphore', () => {
  it('lets `permits` holders in, queues the rest in order, and drops waiters whose signal fires', async () => {
    const gate = new Semaphore(2);
    const live = new AbortController().signal;
    await gate.acquire(live);
    await gate.acquire(live);
    const order: string[] = [];
    const third = gate.acquire(live).then(() => order.push('third'));
    const cancelled = new AbortController();
    const dropped = gate.acquire(cancelled.signal).catch(() => order.push('dropped'));
    const fourth = gate.acquire(live).then(() => order.push('fourth'));
    cancelled.abort();
    await dropped;
    gate.release();
    await third;
    gate.release();
    await fourth;
    expect(order).toEqual(['dropped', 'third', 'fourth']);
  });
});

describe('content types', () => {
  it('comes from the extension, case-insensitively, else octet-stream', () => {
    expect(contentTypeFor('report.PDF')).toBe('application/pdf');
    expect(contentTypeFor('a/b/photo.jpeg')).toBe('image/jpeg');
    expect(contentTypeFor('notes.txt')).toBe('text/plain; charset=utf-8');
    expect(contentTypeFor('.bashrc')).toBe('application/octet-stream');
    expect(contentTypeFor('archive.')).toBe('application/octet-stream');
    expect(contentTypeFor('data.unknownext')).toBe('application/octet-stream');
  });
});
