import type { TaskOptions } from '../../src-shared/model/task';
import type { Location, MetadataUpdate } from '../locations/location';

/**
 * SecurityDescriptorCopyFlags: the source entry's security descriptor, to be set on the copy,
 * when the option asks for one and both locations keep Windows security (SMB to SMB). DataSync
 * copies it for the same pairs only. Undefined otherwise. Throws what the source's
 * `securityDescriptor` throws (permission-denied when the SACL needs a privilege the user lacks).
 */
export async function securityToCopy(
  path: string,
  options: TaskOptions,
  source: Location,
  destination: Location,
  signal: AbortSignal,
): Promise<MetadataUpdate['securityDescriptor']> {
  const parts = options.SecurityDescriptorCopyFlags;
  if (parts === 'NONE' || !source.securityDescriptor || !destination.securityDescriptor) {
    return undefined;
  }
  return { parts, descriptor: await source.securityDescriptor(path, parts, signal) };
}
