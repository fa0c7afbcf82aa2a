import { AppError } from '../../../src-shared/errors';
import type { LocationConfig } from '../../../src-shared/model/location-config';
import { NfsLocation } from './nfs-location';

type NfsConfig = Extract<LocationConfig, { kind: 'nfs' }>;

/** How long an NFS call may go unanswered, and a lost server be waited for, before failing. */
export const NFS_TIMEOUT_MS = 30_000;

/**
 * The NFS location for a config. NFSv3 (and AUTOMATIC, which means v3 here) uses our own
 * client; NFS 4.x, which it does not speak, is reached by mounting the export with the OS and
 * choosing the mounted folder as a local location.
 * Throws: invalid-config (a folder path with '..', NFS 4.x).
 */
export function createNfsLocation(
  config: NfsConfig,
  description: string,
  options: { timeoutMs?: number } = {},
): NfsLocation {
  if (config.version === 'NFS4_0' || config.version === 'NFS4_1') {
    const version = config.version === 'NFS4_0' ? '4.0' : '4.1';
    throw new AppError(
      'invalid-config',
      `NFS ${version} is reached through a mount: run "sudo mount -t nfs -o nfsvers=${version} ${config.server}:${config.export} /mnt/point" and add /mnt/point as a local folder (${description})`,
      { kind: 'nfs', version: config.version },
    );
  }
  const folder = config.path.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  const segments = folder === '' ? [] : folder.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw new AppError(
      'invalid-config',
      `The folder inside the export must not contain "..", "." or "//": "${config.path}"`,
      { path: config.path },
    );
  }
  return new NfsLocation(
    {
      server: config.server,
      port: config.port,
      mountPort: config.mountPort,
      exportPath: `/${config.export.replace(/^\/+|\/+$/g, '')}`,
      folder,
      uid: config.uid,
      gid: config.gid,
      timeoutMs: options.timeoutMs ?? NFS_TIMEOUT_MS,
    },
    description,
  );
}
