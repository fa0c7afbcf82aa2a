import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createNetworkMountDetector,
  detectNetworkMount,
  findNetworkMount,
  parseMacMountOutput,
  parseMountInfo,
  parseUncPath,
} from '../../../src-main/locations/local/network-mount';
import { listLocalFolder } from '../../../src-main/services/local-folder-service';
import { describeNetworkMount } from '../../../src-shared/model/entry';

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime shared:12 - proc proc rw',
  '27 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw',
  '40 27 0:35 / /mnt/nas rw,relatime shared:20 - nfs4 fileserver:/export/data rw,vers=4.2',
  '41 40 259:3 / /mnt/nas/local-cache rw,relatime shared:21 - ext4 /dev/nvme0n1p3 rw',
  '42 27 0:36 / /mnt/team\\040share rw,relatime shared:22 - cifs //winsrv/Team\\040Docs rw,vers=3.1.1',
  '43 27 0:37 / /srv/old rw,relatime - nfs oldbox:/vol/old rw,vers=3',
  '44 27 0:38 / /media/s3 rw - smb3 //box/s3 rw',
  'garbage line',
  '',
].join('\n');

const MAC_MOUNT = [
  '/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)',
  'devfs on /dev (devfs, local, nobrowse)',
  'map auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)',
  '//alice@nas.local/Photos on /Volumes/Photos (smbfs, nodev, nosuid, mounted by alice)',
  'nas.local:/volume1/backup on /Volumes/backup (nfs, asynchronous)',
  '//GUEST:@printer/Public Share on /Volumes/Public Share (smbfs, nodev, nosuid)',
].join('\n');

describe('parseMountInfo', () => {
  it('reads mount points, types and sources, decoding octal escapes', () => {
    const records = parseMountInfo(MOUNTINFO);
    expect(records).toHaveLength(7);
    expect(records[2]).toEqual({
      mountPoint: '/mnt/nas',
      fsType: 'nfs4',
      source: 'fileserver:/export/data',
    });
    expect(records[4]).toEqual({
      mountPoint: '/mnt/team share',
      fsType: 'cifs',
      source: '//winsrv/Team Docs',
    });
  });
});

describe('findNetworkMount', () => {
  const records = parseMountInfo(MOUNTINFO);
  it.each([
    ['/mnt/nas', { protocol: 'nfs', source: 'fileserver:/export/data', mountPoint: '/mnt/nas' }],
    [
      '/mnt/nas/a/b',
      { protocol: 'nfs', source: 'fileserver:/export/data', mountPoint: '/mnt/nas' },
    ],
    [
      '/mnt/team share/x',
      { protocol: 'smb', source: '//winsrv/Team Docs', mountPoint: '/mnt/team share' },
    ],
    ['/srv/old/y', { protocol: 'nfs', source: 'oldbox:/vol/old', mountPoint: '/srv/old' }],
    ['/media/s3', { protocol: 'smb', source: '//box/s3', mountPoint: '/media/s3' }],
  ])('finds the share holding %s', (absPath, expected) => {
    expect(findNetworkMount(records, absPath)).toEqual(expected);
  });

  it.each(['/home/me', '/mnt/nas/local-cache/file', '/mnt/nasty', '/proc/1'])(
    'answers null for %s (local disk, a local mount inside a share, a name prefix only)',
    (absPath) => {
      expect(findNetworkMount(records, absPath)).toBeNull();
    },
  );

  it('lets a mount stacked later on the same point win', () => {
    const stacked = parseMountInfo(`${MOUNTINFO}\n50 40 0:40 / /mnt/nas rw - tmpfs tmpfs rw`);
    expect(findNetworkMount(stacked, '/mnt/nas/x')).toBeNull();
  });
});

describe('parseMacMountOutput', () => {
  const records = parseMacMountOutput(MAC_MOUNT);
  it('reads sources, mount points with spaces, and types', () => {
    expect(records).toHaveLength(6);
    expect(records[5]).toEqual({
      source: '//GUEST:@printer/Public Share',
      mountPoint: '/Volumes/Public Share',
      fsType: 'smbfs',
    });
  });
  it('finds SMB (without the user name) and NFS shares', () => {
    expect(findNetworkMount(records, '/Volumes/Photos/2024')).toEqual({
      protocol: 'smb',
      source: '//nas.local/Photos',
      mountPoint: '/Volumes/Photos',
    });
    expect(findNetworkMount(records, '/Volumes/backup')).toEqual({
      protocol: 'nfs',
      source: 'nas.local:/volume1/backup',
      mountPoint: '/Volumes/backup',
    });
    expect(findNetworkMount(records, '/Volumes/Public Share/a')?.source).toBe(
      '//printer/Public Share',
    );
    expect(findNetworkMount(records, '/Users/alice')).toBeNull();
  });
});

describe('parseUncPath', () => {
  it.each([
    ['\\\\server\\share\\folder', '//server/share', '\\\\server\\share'],
    ['\\\\server\\share', '//server/share', '\\\\server\\share'],
    ['\\\\?\\UNC\\srv\\data\\x', '//srv/data', '\\\\srv\\data'],
  ])('sees %s as SMB', (absPath, source, mountPoint) => {
    expect(parseUncPath(absPath)).toEqual({ protocol: 'smb', source, mountPoint });
  });
  it.each(['C:\\Users', '\\\\?\\C:\\x', '\\\\.\\PhysicalDrive0', 'Z:\\mapped', '\\\\server'])(
    'answers null for %s',
    (absPath) => {
      expect(parseUncPath(absPath)).toBeNull();
    },
  );
});

describe('createNetworkMountDetector', () => {
  it('reads the mount table at most once per ~2 s and resolves symlinks first', async () => {
    let now = 1_000_000;
    let reads = 0;
    const detect = createNetworkMountDetector({
      platform: 'linux',
      readMountTable: async () => {
        reads++;
        return MOUNTINFO;
      },
      now: () => now,
      realpath: async (p) => (p === '/home/me/nas-link' ? '/mnt/nas' : p),
    });
    expect((await detect('/home/me/nas-link'))?.source).toBe('fileserver:/export/data');
    expect(await detect('/home/me')).toBeNull();
    now += 1_500;
    await detect('/mnt/nas');
    expect(reads).toBe(1);
    now += 1_000;
    await detect('/mnt/nas');
    expect(reads).toBe(2);
  });

  it('parses `mount` output on macOS, UNC paths on Windows, and never throws', async () => {
    const base = { now: () => 0, realpath: async (p: string) => p };
    const mac = createNetworkMountDetector({
      ...base,
      platform: 'darwin',
      readMountTable: async () => MAC_MOUNT,
    });
    expect((await mac('/Volumes/Photos'))?.protocol).toBe('smb');
    const win = createNetworkMountDetector({
      ...base,
      platform: 'win32',
      readMountTable: () => Promise.reject(new Error('never called')),
    });
    expect((await win('\\\\nas\\share\\x'))?.source).toBe('//nas/share');
    const broken = createNetworkMountDetector({
      ...base,
      platform: 'linux',
      readMountTable: () => Promise.reject(new Error('EACCES')),
    });
    expect(await broken('/mnt/nas')).toBeNull();
  });
});

describe('network mounts in folder listings', () => {
  it('listLocalFolder reports the mount detectNetworkMount finds (null on a local disk)', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'dataferry-mount-'));
    try {
      const listing = await listLocalFolder(root, { showHidden: false });
      expect(listing).toHaveProperty('networkMount');
      expect(listing.networkMount).toEqual(await detectNetworkMount(root));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('labels a mount for the badge', () => {
    expect(
      describeNetworkMount({ protocol: 'nfs', source: 'server:/export', mountPoint: '/mnt/x' }),
    ).toBe('NFS mount · server:/export');
  });
});
