import { AppError } from '../../../src-shared/errors';
import type { LocationConfig, LocationSecrets } from '../../../src-shared/model/location-config';
import { DIALECTS, type DialectCode } from '../../protocols/smb2/smb2-negotiate';
import { SmbLocation } from './smb-location';

type SmbConfig = Extract<LocationConfig, { kind: 'smb' }>;

/** A call without an answer after this long fails. */
export const SMB_TIMEOUT_MS = 30_000;

/** DataSync's versions: AUTOMATIC negotiates the highest both sides speak; the others pin one. */
const PINNED: Record<SmbConfig['version'], DialectCode | undefined> = {
  AUTOMATIC: undefined,
  SMB3: DIALECTS.SMB302,
  SMB2: DIALECTS.SMB21,
  SMB2_0: DIALECTS.SMB202,
};

/**
 * The SMB location for a config and its password. Nothing is contacted yet.
 * Throws invalid-config for a folder path with '..' or '.'.
 */
export function createSmbLocation(
  config: SmbConfig,
  secrets: LocationSecrets,
  description: string,
  options: { timeoutMs?: number } = {},
): SmbLocation {
  const folder = config.path.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  const segments = folder === '' ? [] : folder.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw new AppError(
      'invalid-config',
      `The folder inside the share must not contain "..", "." or "//": "${config.path}"`,
      { path: config.path },
    );
  }
  return new SmbLocation(
    {
      host: config.server,
      port: config.port,
      share: config.share.replace(/^[\\/]+|[\\/]+$/g, ''),
      folder,
      credentials: { domain: config.domain, user: config.user, password: secrets.password ?? '' },
      dialect: PINNED[config.version],
      timeoutMs: options.timeoutMs ?? SMB_TIMEOUT_MS,
    },
    description,
  );
}
