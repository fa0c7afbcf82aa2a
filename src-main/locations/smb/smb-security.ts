import type { OpenFile, Smb2Share } from '../../protocols/smb2/smb2-files';
import {
  SecurityInformation,
  securityAccess,
  setSecurityDescriptor,
} from '../../protocols/smb2/smb2-security';
import type { MetadataUpdate, SecurityDescriptorParts } from '../location';

/**
 * The descriptor parts SecurityDescriptorCopyFlags copies, as AdditionalInformation flags.
 * DataSync's OWNER_DACL is the owner and the DACL: the primary group means nothing to Windows.
 */
export function securityInfo(parts: SecurityDescriptorParts): number {
  const ownerDacl = SecurityInformation.OWNER | SecurityInformation.DACL;
  return parts === 'OWNER_DACL_SACL' ? ownerDacl | SecurityInformation.SACL : ownerDacl;
}

/** The extra DesiredAccess an open needs to set `metadata`'s security descriptor (0 for none). */
export function securityWriteAccess(metadata: MetadataUpdate | undefined): number {
  const copy = metadata?.securityDescriptor;
  return copy ? securityAccess(securityInfo(copy.parts), 'write') : 0;
}

/**
 * Sets `metadata`'s security descriptor on an open file (opened with securityWriteAccess);
 * nothing without one. Throws Smb2StatusError: STATUS_ACCESS_DENIED or STATUS_INVALID_OWNER
 * for an owner the user may not give (that needs the server's restore privilege, as DataSync
 * documents for its SMB user).
 */
export async function applySecurity(
  share: Smb2Share,
  file: OpenFile,
  metadata: MetadataUpdate | undefined,
  signal: AbortSignal,
): Promise<void> {
  const copy = metadata?.securityDescriptor;
  if (!copy) return;
  const descriptor = Buffer.from(
    copy.descriptor.buffer,
    copy.descriptor.byteOffset,
    copy.descriptor.byteLength,
  );
  await setSecurityDescriptor(share, file, descriptor, securityInfo(copy.parts), signal);
}
