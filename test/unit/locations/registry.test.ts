import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { throwIfAborted } from '../../../src-main/locations/abort';
import { LocalLocation } from '../../../src-main/locations/local/local-location';
import { S3Location } from '../../../src-main/locations/s3/s3-location';
import { MemoryLocation } from '../../../src-main/locations/memory/memory-location';
import { createLocation, describeLocation } from '../../../src-main/locations/registry';
import {
  locationConfigSchema,
  type LocationConfig,
  type LocationConfigInput,
} from '../../../src-shared/model/location-config';
import { thrown } from '../../support/app-errors';

const config = (input: LocationConfigInput): LocationConfig => locationConfigSchema.parse(input);

describe('createLocation', () => {
  it('makes a LocalLocation for an absolute folder', () => {
    const location = createLocation(config({ kind: 'local', path: os.tmpdir() }), {});
    expect(location).toBeInstanceOf(LocalLocation);
    expect(location.kind).toBe('local');
    expect(location.description).toBe(`local folder ${os.tmpdir()}`);
  });

  it('refuses a relative local folder with invalid-config, naming it', () => {
    const error = thrown(() => createLocation(config({ kind: 'local', path: 'data/x' }), {}));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toContain('data/x');
  });

  it('makes S3Locations for Amazon S3 and S3-compatible servers, contacting nothing yet', () => {
    const s3 = createLocation(config({ kind: 's3', bucket: 'my-bucket', prefix: 'a/b' }), {});
    expect(s3).toBeInstanceOf(S3Location);
    expect(s3).toMatchObject({ kind: 's3', description: 'S3 s3://my-bucket/a/b' });
    const other = createLocation(
      config({
        kind: 'object-storage',
        server: 'minio.local',
        port: 9000,
        bucket: 'b',
        accessKeyId: 'AKID',
      }),
      { secretAccessKey: 'secret' },
    );
    expect(other).toMatchObject({
      kind: 'object-storage',
      description: 'object storage https://minio.local:9000/b',
    });
  });

  it('makes a MemoryLocation sharing the named tree', () => {
    const location = createLocation(config({ kind: 'memory', name: 'reg' }), {});
    expect(location).toBeInstanceOf(MemoryLocation);
    expect(location.kind).toBe('memory');
  });

  it('makes an NFSv3 location; NFS 4.x is explained as a mount, and ".." in the folder refused', () => {
    const location = createLocation(config({ kind: 'nfs', server: 'nas', export: '/export' }), {});
    expect(location).toMatchObject({ kind: 'nfs', description: 'NFS nas:/export' });
    const v4 = thrown(() =>
      createLocation(config({ kind: 'nfs', server: 'nas', export: '/e', version: 'NFS4_1' }), {}),
    );
    expect(v4.code).toBe('invalid-config');
    expect(v4.message).toContain('sudo mount -t nfs4 -o nfsvers=4.1 nas:/e /mnt/nfs');
    const efs = thrown(() =>
      createLocation(
        config({ kind: 'nfs', server: 'fs-0123abcd.efs.eu-west-1.amazonaws.com', export: '/' }),
        {},
      ),
    );
    expect(efs.code).toBe('invalid-config');
    expect(efs.message).toContain(
      'nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport fs-0123abcd.efs.eu-west-1.amazonaws.com:/ /mnt/efs',
    );
    const escape = thrown(() =>
      createLocation(config({ kind: 'nfs', server: 'nas', export: '/e', path: 'a/../../b' }), {}),
    );
    expect(escape).toMatchObject({ code: 'invalid-config' });
  });

  it('makes an SMB location that never puts its password in its description', () => {
    const location = createLocation(
      config({ kind: 'smb', server: 'nas', share: 'data', user: 'u' }),
      { password: 'secret' },
    );
    expect(location).toMatchObject({ kind: 'smb', description: 'SMB //nas/data' });
    expect(JSON.stringify(location.description)).not.toContain('secret');
    const escape = thrown(() =>
      createLocation(
        config({ kind: 'smb', server: 'nas', share: 'd', user: 'u', path: 'a/../..' }),
        {},
      ),
    );
    expect(escape).toMatchObject({ code: 'invalid-config' });
  });
});

describe('describeLocation', () => {
  it.each<[LocationConfigInput, string]>([
    [{ kind: 'local', path: '/srv/data' }, 'local folder /srv/data'],
    [
      { kind: 'smb', server: 'nas', share: 'media', path: '/photos/2024/', user: 'u' },
      'SMB //nas/media/photos/2024',
    ],
    [
      { kind: 'smb', server: 'nas', port: 1445, share: 'm', path: '\\a\\b', user: 'u' },
      'SMB //nas:1445/m/a/b',
    ],
    [
      { kind: 'nfs', server: '10.0.0.5', export: '/export/', path: 'sub' },
      'NFS 10.0.0.5:/export/sub',
    ],
    [{ kind: 's3', bucket: 'bkt', prefix: 'logs/2024/' }, 'S3 s3://bkt/logs/2024'],
    [
      {
        kind: 'object-storage',
        server: 'h',
        port: 9000,
        protocol: 'HTTP',
        bucket: 'b',
        prefix: 'p',
      },
      'object storage http://h:9000/b/p',
    ],
    [{ kind: 'memory', name: 'engine-test' }, 'memory location "engine-test"'],
  ])('describes %j', (input, expected) => {
    expect(describeLocation(config(input))).toBe(expected);
  });
});

describe('throwIfAborted', () => {
  it('throws cancelled only once the signal fired, naming the thing', () => {
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    const error = thrown(() => throwIfAborted(AbortSignal.abort(), '/srv/x'));
    expect(error.code).toBe('cancelled');
    expect(error.message).toBe('Cancelled: /srv/x');
  });
});
