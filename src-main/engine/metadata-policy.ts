import type { TaskOptions } from '../../src-shared/model/task';
import type { LocationCapabilities, MetadataUpdate } from '../locations/location';
import type { PlanItem } from './plan';

/** The metadata the options say to carry from a source entry to the destination. */
export function metadataFor(
  item: PlanItem,
  options: TaskOptions,
  source: LocationCapabilities,
  destination: LocationCapabilities,
): MetadataUpdate {
  const update: MetadataUpdate = {};
  // A time the source does not know (an S3 folder without a marker) is never written.
  if (options.Mtime === 'PRESERVE' && !item.mtimeUnknown) {
    update.mtimeMs = item.mtimeMs;
    if (item.mtimeNs !== undefined) update.mtimeNs = item.mtimeNs;
  }
  if (options.Atime === 'BEST_EFFORT' && item.atimeMs !== undefined) {
    update.atimeMs = item.atimeMs;
    if (item.atimeNs !== undefined) update.atimeNs = item.atimeNs;
  }
  if (source.posixMetadata && destination.posixMetadata) {
    if (options.PosixPermissions === 'PRESERVE' && item.mode !== undefined) update.mode = item.mode;
    // NAME and BOTH map names on the other side; on one workstation the numbers are the names.
    if (options.Uid !== 'NONE' && item.uid !== undefined) update.uid = item.uid;
    if (options.Gid !== 'NONE' && item.gid !== undefined) update.gid = item.gid;
  }
  if (source.windowsMetadata && destination.windowsMetadata) {
    // SMB to SMB, as DataSync: the creation time with the other times, the attributes always.
    if (options.Mtime === 'PRESERVE' && item.creationTimeMs !== undefined)
      update.creationTimeMs = item.creationTimeMs;
    if (item.windowsAttributes !== undefined) update.windowsAttributes = item.windowsAttributes;
  }
  return update;
}
