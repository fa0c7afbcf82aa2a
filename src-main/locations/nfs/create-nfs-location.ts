import { AppError } from '../../../src-shared/errors';
import type { LocationConfig } from '../../../src-shared/model/location-config';
import {
  efsMountCommand,
  nfs4MountCommand,
  parseEfsHost,
} from '../../../src-shared/model/nfs-mount';
import { NfsLocation } from './nfs-location';

type NfsConfig = Extract<LocationConfig, { kind: 'nfs' }>;

/** How long an NFS call may go unanswered, and a lost server be waited for, before failing. */
export const NFS_TIMEOUT_MS = 30_000;

/**
 * The NFS location for a config. NFSv3 (and AUTOMATIC, which means v3 here) uses our own
 * client; NFS 4.x, which it does not speak, is reached by mounting the export with the OS and
 * choosing the mounted folder as a local location; so is Amazon EFS (4.1 only).
 * Throws: invalid-config (a folder path with '..', NFS 4.x, an EFS host: the message gives the
 * mount command).
 */
export function createNfsLocation(
  config: NfsConfig,
  description: string,
  options: { timeoutMs?: number } = {},
): NfsLocation {
  const efs = parseEfsHost(config.server);
  if (efs) {
    // EFS speaks NFS 4.0 and 4.1 only.
    const command = efsMountCommand({
      fileSystem: config.server,
      region: efs.region,
      mountPoint: '/mnt/efs',
    });
    throw new AppError(
      'invalid-config',
      `Amazon EFS speaks NFS 4.1, which DataFerry reaches through a mount: run "${command}" and add /mnt/efs as a local folder (${description})`,
      { kind: 'nfs', fileSystemId: efs.fileSystemId },
    );
  }
  if (config.version === 'NFS4_0' || config.version === 'NFS4_1') {
    const version = config.version === 'NFS4_0' ? '4.0' : '4.1';
    const command = nfs4MountCommand({
      server: config.server,
      exportPath: config.export,
      version,
      mountPoint: '/mnt/nfs',
    });
    throw new AppError(
      'invalid-config',
      `NFS ${version} is reached through a mount: run "${command}" and add /mnt/nfs as a local folder (${description})`,
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
