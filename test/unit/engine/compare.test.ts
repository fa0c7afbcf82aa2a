import { describe, expect, it } from 'vitest';
import {
  planBoth,
  planDestinationOnly,
  planSourceOnly,
  type CompareContext,
} from '../../../src-main/engine/compare';
import { metadataFor } from '../../../src-main/engine/metadata-policy';
import type { EntryInfo, LocationCapabilities } from '../../../src-main/locations/location';
import { taskOptionsSchema, type TaskOptionsInput } from '../../../src-shared/model/task';

const caps = (over: Partial<LocationCapabilities> = {}): LocationCapabilities => ({
  mtimePrecisionMs: 1,
  caseSensitive: true,
  emptyDirectories: true,
  symlinks: true,
  posixMetadata: true,
  storedHashes: [],
  shareableAcrossThreads: true,
  usefulConcurrency: 8,
  usefulThreads: 8,
  objectTags: false,
  snapshotReads: false,
  ...over,
});
const ctx = (
  options: TaskOptionsInput = {},
  destination = caps(),
  source = caps(),
): CompareContext => ({
  options: taskOptionsSchema.parse(options),
  source,
  destination,
});
const file = (over: Partial<EntryInfo> = {}): EntryInfo => ({
  path: 'f',
  type: 'file',
  size: 10,
  mtimeMs: 1000,
  mode: 0o644,
  uid: 1,
  gid: 1,
  ...over,
});

describe('compare', () => {
  it('copies new entries: files, folders, links', () => {
    expect(planSourceOnly(file(), ctx()).action).toBe('copy');
    expect(planSourceOnly(file({ type: 'dir', size: 0 }), ctx()).action).toBe('mkdir');
    expect(planSourceOnly(file({ type: 'symlink', linkTarget: 'x' }), ctx()).action).toBe(
      'symlink',
    );
  });

  it('skips links where the destination cannot hold them, and special files', () => {
    expect(
      planSourceOnly(file({ type: 'symlink' }), ctx({}, caps({ symlinks: false }))).detail,
    ).toContain('cannot hold links');
    expect(planSourceOnly(file({ type: 'other' }), ctx()).detail).toContain('PreserveDevices=NONE');
  });

  it('skips unchanged files within the coarser mtime precision of the two sides', () => {
    expect(planBoth(file(), file({ mtimeMs: 1000.4 }), ctx()).detail).toBe('unchanged');
    expect(
      planBoth(file(), file({ mtimeMs: 1900 }), ctx({}, caps({ mtimePrecisionMs: 1000 }))).detail,
    ).toBe('unchanged');
    expect(planBoth(file(), file({ mtimeMs: 1002 }), ctx()).action).toBe('update');
    expect(planBoth(file(), file({ size: 11 }), ctx()).action).toBe('update');
  });

  it('carries metadata-only changes without copying', () => {
    expect(planBoth(file({ mode: 0o600 }), file(), ctx()).action).toBe('meta');
    expect(planBoth(file({ mode: 0o600 }), file(), ctx({ PosixPermissions: 'NONE' })).detail).toBe(
      'unchanged',
    );
    expect(planBoth(file({ uid: 7 }), file(), ctx({ Uid: 'NONE' })).detail).toBe('unchanged');
  });

  it('compares links by target, and carries a changed link time as metadata', () => {
    const link = (over: Partial<EntryInfo> = {}): EntryInfo =>
      file({ type: 'symlink', size: 0, linkTarget: 't', ...over });
    expect(planBoth(link(), link(), ctx()).detail).toBe('unchanged');
    expect(planBoth(link(), link({ linkTarget: 'u' }), ctx()).action).toBe('symlink');
    expect(planBoth(link({ mtimeMs: 5000 }), link(), ctx()).action).toBe('meta');
    expect(
      planBoth(link({ mtimeMs: 5000 }), link(), ctx({ Mtime: 'NONE', Atime: 'NONE' })).detail,
    ).toBe('unchanged');
  });

  it('ALL copies regardless; NEVER never replaces', () => {
    expect(planBoth(file(), file(), ctx({ TransferMode: 'ALL' })).action).toBe('update');
    expect(planBoth(file(), file({ size: 3 }), ctx({ OverwriteMode: 'NEVER' })).detail).toContain(
      'OverwriteMode=NEVER',
    );
  });

  it('reports type conflicts instead of destroying a folder', () => {
    const item = planBoth(file(), file({ type: 'dir', size: 0 }), ctx());
    expect(item.action).toBe('skip');
    expect(item.detail).toContain('type conflict');
  });

  it('deletes destination-only entries only with REMOVE', () => {
    expect(planDestinationOnly(file(), ctx())).toBeNull();
    expect(planDestinationOnly(file(), ctx({ PreserveDeletedFiles: 'REMOVE' }))?.action).toBe(
      'delete',
    );
    expect(
      planDestinationOnly(file({ type: 'dir' }), ctx({ PreserveDeletedFiles: 'REMOVE' }))?.action,
    ).toBe('rmdir');
  });
});

describe('times and fields a side does not know (issue 15, items 5 and 6)', () => {
  it('an unknown time is no difference, and none is written', () => {
    const unknown = file({ mtimeMs: 0, mtimeUnknown: true });
    expect(planBoth(file(), unknown, ctx()).action).toBe('skip');
    expect(planBoth(unknown, file(), ctx()).action).toBe('skip');
    const folder = file({ type: 'dir', size: 0, mtimeMs: 0, mtimeUnknown: true });
    const item = { ...folder, action: 'mkdir' as const };
    expect(metadataFor(item, taskOptionsSchema.parse({}), caps(), caps())).not.toHaveProperty(
      'mtimeMs',
    );
    expect(
      metadataFor(
        { ...file({ mtimeNs: '1000000001' }), action: 'copy' },
        taskOptionsSchema.parse({}),
        caps(),
        caps(),
      ),
    ).toMatchObject({ mtimeMs: 1000, mtimeNs: '1000000001' });
  });

  it('a mode or owner the destination has no record of is not rewritten on its own', () => {
    const bare = file({ mode: undefined, uid: undefined, gid: undefined });
    expect(planBoth(file(), bare, ctx()).action).toBe('skip');
    expect(
      planBoth(file({ type: 'dir', size: 0 }), { ...bare, type: 'dir', size: 0 }, ctx()).action,
    ).toBe('mkdir');
    // A recorded other value still is a difference.
    expect(planBoth(file(), file({ mode: 0o600 }), ctx()).action).toBe('meta');
  });
});
