import type { TaskOptions } from '../../src-shared/model/task';
import type { Location } from '../locations/location';
import type { PlanItem } from './plan';

/**
 * The one line a run logs when its options ask to keep POSIX permissions that the destination
 * cannot hold (local or NFS to SMB: an SMB share keeps no mode, owner or group), rather than
 * dropping them silently or saying so per file; null when nothing is lost. It counts the files
 * with execute bits among those to copy: those come back as plain files (0644 on a later
 * download). Never throws.
 */
export function posixLossNotice(
  items: Iterable<PlanItem>,
  options: TaskOptions,
  source: Location,
  destination: Location,
): string | null {
  if (options.PosixPermissions !== 'PRESERVE') return null;
  if (!source.capabilities.posixMetadata || destination.capabilities.posixMetadata) return null;
  let executables = 0;
  for (const item of items) {
    if (item.type === 'file' && item.mode !== undefined && (item.mode & 0o111) !== 0) executables++;
  }
  return `POSIX permissions, owners and groups are not kept: ${destination.description} has none (copies get its defaults); ${executables} file(s) with execute bits among those to copy`;
}
