import path from 'node:path';
import { assertNever } from '../../src-shared/assert-never';
import { AppError } from '../../src-shared/errors';
import type { LocationConfig, LocationSecrets } from '../../src-shared/model/location-config';
import { LocalLocation } from './local/local-location';
import type { Location } from './location';
import { MemoryLocation } from './memory/memory-location';
import { createNfsLocation } from './nfs/create-nfs-location';
import { createS3Location } from './s3/create-s3-location';
import { createSmbLocation } from './smb/create-smb-location';

/**
 * The Location for a config. Nothing is contacted yet: call `connect()`.
 * Throws: invalid-config (a local folder that is not an absolute path), not-supported (a kind
 * whose client has not arrived yet).
 */
export interface CreateOptions {
  /** The location lives in a transfer worker thread, where blocking I/O is cheaper (local). */
  inWorker?: boolean;
  /**
   * Network locations: how long one request may go unanswered before it fails with `timeout`
   * (SMB and NFS: per call; S3: to connect, and silence on a connection). Undefined: each
   * kind's default. Local folders ignore it (the kernel owns their I/O).
   */
  ioTimeoutMs?: number | undefined;
}

export function createLocation(
  config: LocationConfig,
  secrets: LocationSecrets,
  options: CreateOptions = {},
): Location {
  switch (config.kind) {
    case 'local':
      if (!path.isAbsolute(config.path)) {
        throw new AppError(
          'invalid-config',
          `A local folder must be an absolute path, not "${config.path}"`,
          { path: config.path },
        );
      }
      return new LocalLocation(config.path, { blockingIo: options.inWorker ?? false });
    case 'memory':
      return new MemoryLocation(config.name);
    case 'smb':
      return createSmbLocation(config, secrets, describeLocation(config), timeouts(options));
    case 'nfs':
      return createNfsLocation(config, describeLocation(config), timeouts(options));
    case 's3':
    case 'object-storage':
      return createS3Location(config, secrets, describeLocation(config), timeouts(options));
    default:
      return assertNever(config, 'location kind');
  }
}

function timeouts(options: CreateOptions): { timeoutMs?: number } {
  return options.ioTimeoutMs === undefined ? {} : { timeoutMs: options.ioTimeoutMs };
}

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
