// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import {
  describeLocation,
  kindLabel,
} from '../../../src-renderer/features/locations/describe-location';
import { locationConfigSchema } from '../../../src-shared/model/location-config';

const parse = (input: unknown) => locationConfigSchema.parse(input);

describe('describeLocation', () => {
  it('names a local folder by its path', () => {
    expect(describeLocation(parse({ kind: 'local', path: '/home/ana/data' }))).toBe(
      '/home/ana/data',
    );
    expect(describeLocation(parse({ kind: 'local', path: 'C:\\Users\\Ana' }))).toBe(
      'C:\\Users\\Ana',
    );
  });

  it('writes SMB as smb://server/share/path, with a port only when unusual', () => {
    const smb = { kind: 'smb', server: 'files.corp', share: 'finance', user: 'ana' };
    expect(describeLocation(parse({ ...smb, path: 'reports\\2024\\' }))).toBe(
      'smb://files.corp/finance/reports/2024',
    );
    expect(describeLocation(parse({ ...smb, port: 4455 }))).toBe('smb://files.corp:4455/finance');
  });

  it('writes NFS as nfs://server/export/path', () => {
    const nfs = { kind: 'nfs', server: 'nas.lab', export: '/export/data' };
    expect(describeLocation(parse({ ...nfs, path: 'projects' }))).toBe(
      'nfs://nas.lab/export/data/projects',
    );
    expect(describeLocation(parse({ ...nfs, port: 3049 }))).toBe('nfs://nas.lab:3049/export/data');
    expect(describeLocation(parse({ ...nfs, export: '/' }))).toBe('nfs://nas.lab');
  });

  it('writes S3 as s3://bucket/prefix', () => {
    expect(describeLocation(parse({ kind: 's3', bucket: 'acme', prefix: '/backups/2024/' }))).toBe(
      's3://acme/backups/2024',
    );
    expect(describeLocation(parse({ kind: 's3', bucket: 'acme' }))).toBe('s3://acme');
  });

  it('writes object storage as a URL with the protocol and an unusual port', () => {
    const os = { kind: 'object-storage', server: 'minio.lan', bucket: 'media' };
    expect(describeLocation(parse({ ...os, port: 9000, prefix: 'raw' }))).toBe(
      'https://minio.lan:9000/media/raw',
    );
    expect(describeLocation(parse({ ...os, port: 443 }))).toBe('https://minio.lan/media');
    expect(describeLocation(parse({ ...os, protocol: 'HTTP', port: 80 }))).toBe(
      'http://minio.lan/media',
    );
  });

  it('names an in-memory location', () => {
    expect(describeLocation(parse({ kind: 'memory', name: 'a' }))).toBe('memory:a');
  });
});

describe('kindLabel', () => {
  it('recognises the FSx and EFS presets from the server name', () => {
    const smb = { kind: 'smb', share: 'share', user: 'Admin' };
    expect(kindLabel(parse({ ...smb, server: 'amznfsxabcd1234.corp.example.com' }))).toBe(
      'FSx for Windows',
    );
    expect(kindLabel(parse({ ...smb, server: 'files.corp' }))).toBe('SMB');
    expect(
      kindLabel(
        parse({
          kind: 'nfs',
          server: 'fs-0123456789abcdef0.efs.us-east-1.amazonaws.com',
          export: '/',
        }),
      ),
    ).toBe('Amazon EFS');
    expect(kindLabel(parse({ kind: 'nfs', server: 'nas', export: '/x' }))).toBe('NFS');
    expect(kindLabel(parse({ kind: 'local', path: '/x' }))).toBe('Local');
    expect(kindLabel(parse({ kind: 's3', bucket: 'abc' }))).toBe('Amazon S3');
    expect(kindLabel(parse({ kind: 'object-storage', server: 'h', bucket: 'b' }))).toBe(
      'S3-compatible',
    );
  });
});
