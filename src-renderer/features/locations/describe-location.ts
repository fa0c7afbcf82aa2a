import { domainOfFsxHost } from '../../../src-shared/model/fsx-windows';
import type { LocationConfig } from '../../../src-shared/model/location-config';
import { parseEfsHost } from '../../../src-shared/model/nfs-mount';

/*
 * How the UI names a location in one line, the way its users would type it: a URL for remote
 * kinds (smb://, nfs://, s3://, https://), the folder itself for a local one. Pure, so the task
 * editor, the locations list and the tests share it. Never includes a secret.
 */

/**
 * One line for a location: "smb://server/share/path", "nfs://server/export/path",
 * "s3://bucket/prefix", "/home/ana/data", "https://minio.lan:9000/bucket/prefix".
 * Ports are shown only when they differ from the protocol's usual one.
 */
export function describeLocation(config: LocationConfig): string {
  switch (config.kind) {
    case 'local':
      return config.path;
    case 'smb':
      return joinUrl(
        `smb://${config.server}${portSuffix(config.port, 445)}`,
        config.share,
        config.path,
      );
    case 'nfs':
      return joinUrl(
        `nfs://${config.server}${portSuffix(config.port, 2049)}`,
        config.export,
        config.path,
      );
    case 's3':
      return joinUrl(`s3://${config.bucket}`, config.prefix);
    case 'object-storage': {
      const scheme = config.protocol === 'HTTPS' ? 'https' : 'http';
      const port = portSuffix(config.port, scheme === 'https' ? 443 : 80);
      return joinUrl(`${scheme}://${config.server}${port}`, config.bucket, config.prefix);
    }
    case 'memory':
      return `memory:${config.name}`;
  }
}

/** What a location's kind badge says. */
export type KindLabel =
  | 'Local'
  | 'SMB'
  | 'FSx for Windows'
  | 'NFS'
  | 'Amazon EFS'
  | 'Amazon S3'
  | 'S3-compatible'
  | 'Memory';

/**
 * The badge of a location's kind. An SMB location on an FSx file system's default DNS name
 * says "FSx for Windows", an NFS one on an EFS mount target "Amazon EFS": the presets the user
 * picked when adding them, recognised again from the server name.
 */
export function kindLabel(config: LocationConfig): KindLabel {
  switch (config.kind) {
    case 'local':
      return 'Local';
    case 'smb':
      return domainOfFsxHost(config.server) ? 'FSx for Windows' : 'SMB';
    case 'nfs':
      return parseEfsHost(config.server) ? 'Amazon EFS' : 'NFS';
    case 's3':
      return 'Amazon S3';
    case 'object-storage':
      return 'S3-compatible';
    case 'memory':
      return 'Memory';
  }
}

/** Base + path parts, each without leading/trailing slashes (backslashes count as slashes). */
function joinUrl(base: string, ...parts: string[]): string {
  const tidy = parts
    .map((part) => part.replace(/\\/g, '/').replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '');
  return tidy.length === 0 ? base : `${base}/${tidy.join('/')}`;
}

function portSuffix(port: number | undefined, usual: number): string {
  return port === undefined || port === usual || port === 0 ? '' : `:${port}`;
}
