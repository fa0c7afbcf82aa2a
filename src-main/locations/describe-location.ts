import { assertNever } from '../../src-shared/assert-never';
import type { LocationConfig } from '../../src-shared/model/location-config';

/**
 * How messages name a location: "local folder /x", "SMB //server/share/path",
 * "NFS server:/export/path", "S3 s3://bucket/prefix", "object storage https://host/bucket/prefix",
 * 'memory location "name"'. Never includes a secret. Never throws.
 */
export function describeLocation(config: LocationConfig): string {
  switch (config.kind) {
    case 'local':
      return `local folder ${config.path}`;
    case 'smb':
      return `SMB ${joinUrlish(`//${config.server}${portSuffix(config.port, 445)}/${trimSlashes(config.share)}`, config.path)}`;
    case 'nfs':
      return `NFS ${config.server}:${joinUrlish(`/${trimSlashes(config.export)}`, config.path)}`;
    case 's3':
      return `S3 ${joinUrlish(`s3://${config.bucket}`, config.prefix)}`;
    case 'object-storage': {
      const scheme = config.protocol === 'HTTPS' ? 'https' : 'http';
      const port = portSuffix(config.port, scheme === 'https' ? 443 : 80);
      return `object storage ${joinUrlish(`${scheme}://${config.server}${port}/${config.bucket}`, config.prefix)}`;
    }
    case 'memory':
      return `memory location "${config.name}"`;
    default:
      return assertNever(config, 'location kind');
  }
}

/** `base` + "/" + `sub` with the slashes (and Windows backslashes) of `sub` tidied. */
function joinUrlish(base: string, sub: string): string {
  const tidy = trimSlashes(sub.replace(/\\/g, '/'));
  return tidy === '' ? base : `${base.replace(/\/+$/, '')}/${tidy}`;
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

function portSuffix(port: number | undefined, usual: number): string {
  return port === undefined || port === usual ? '' : `:${port}`;
}
