import { describe, expect, it } from 'vitest';
import {
  efsMountCommand,
  nfs4MountCommand,
  parseEfsHost,
} from '../../../src-shared/model/nfs-mount';

describe('EFS preset: the mount command shown to the user', () => {
  it('builds the mount AWS documents from an id and region, or from the DNS name', () => {
    const expected =
      'sudo mkdir -p /mnt/efs && sudo mount -t nfs4 -o nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport fs-0123456789abcdef0.efs.us-east-1.amazonaws.com:/ /mnt/efs';
    expect(
      efsMountCommand({
        fileSystem: 'fs-0123456789abcdef0',
        region: 'us-east-1',
        mountPoint: '/mnt/efs',
      }),
    ).toBe(expected);
    expect(
      efsMountCommand({
        fileSystem: 'FS-0123456789ABCDEF0.efs.us-east-1.amazonaws.com',
        region: '',
        mountPoint: '/mnt/efs',
      }),
    ).toBe(expected);
  });

  it('quotes a mount point a shell would split, and refuses what is not an id or a region', () => {
    expect(
      efsMountCommand({
        fileSystem: 'fs-01234567',
        region: 'eu-west-3',
        mountPoint: "/mnt/my efs's",
      }),
    ).toContain(`amazonaws.com:/ '/mnt/my efs'\\''s'`);
    expect(() =>
      efsMountCommand({ fileSystem: 'fs-1; rm -rf /', region: 'us-east-1', mountPoint: '/m' }),
    ).toThrow(/Not an EFS file system id/);
    expect(() =>
      efsMountCommand({ fileSystem: 'fs-01234567', region: 'us-east-1 && x', mountPoint: '/m' }),
    ).toThrow(/Not an AWS region/);
  });

  it('recognises EFS host names and nothing else', () => {
    expect(parseEfsHost('fs-0123abcd.efs.ap-south-1.amazonaws.com')).toEqual({
      fileSystemId: 'fs-0123abcd',
      region: 'ap-south-1',
    });
    expect(parseEfsHost('nas.local')).toBeNull();
    expect(parseEfsHost('fs-0123abcd.efs.ap-south-1.amazonaws.com.evil.example')).toBeNull();
  });

  it('builds an NFS 4.x mount for any server', () => {
    expect(
      nfs4MountCommand({
        server: 'nas',
        exportPath: '/srv/data',
        version: '4.0',
        mountPoint: '/mnt/x y',
      }),
    ).toBe(`sudo mount -t nfs4 -o nfsvers=4.0 nas:/srv/data '/mnt/x y'`);
  });
});
