import type { OpenFile, Smb2Share } from '../../protocols/smb2/smb2-files';
import { InfoType } from '../../protocols/smb2/smb2-files';
import { FileInfoClass, encodeEndOfFileInformation } from '../../protocols/smb2/smb2-info';
import { Smb2StatusError, isFailure } from '../../protocols/smb2/smb2-status';
import { writeStream } from './smb-io';

/*
 * Files with holes on an SMB share (MS-FSCC 2.3.64, 2.4.4): a new file is marked sparse
 * (FSCTL_SET_SPARSE), its WRITEs of zeros only are left out (smb-io.ts writeStream with holes),
 * and its size is set at the end (FileEndOfFileInformation), so a file that ends in a hole has
 * its full size. On a file marked sparse, a range never written is a hole on NTFS and ReFS; on
 * a POSIX server (Samba) it is one whatever the mark. FSCTL_SET_ZERO_DATA is not needed: the
 * file is new, so nothing written earlier has to be turned back into a hole.
 */

const FSCTL_SET_SPARSE = 0x000900c4;

/**
 * Marks an open file sparse. Resolves false when the server refuses (a file system without
 * sparse files answers STATUS_INVALID_DEVICE_REQUEST or STATUS_NOT_SUPPORTED): the ranges not
 * written then read as zeros all the same, allocated. Throws what the transport throws (a
 * dropped connection, cancel).
 */
export async function markSparse(
  share: Pick<Smb2Share, 'ioctl'>,
  file: OpenFile,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    // FILE_SET_SPARSE_BUFFER: SetSparse = TRUE.
    const answer = await share.ioctl(file, FSCTL_SET_SPARSE, Buffer.from([1]), 0, signal);
    return !isFailure(answer.status);
  } catch (error) {
    if (error instanceof Smb2StatusError) return false;
    throw error;
  }
}

/** Sets an open file's size (FileEndOfFileInformation). Throws Smb2StatusError and transport errors. */
export async function setEndOfFile(
  share: Pick<Smb2Share, 'setInfo'>,
  file: OpenFile,
  size: number,
  signal: AbortSignal,
): Promise<void> {
  await share.setInfo(
    file,
    InfoType.FILE,
    FileInfoClass.FileEndOfFileInformation,
    encodeEndOfFileInformation(BigInt(size)),
    { signal },
  );
}

/**
 * Writes a stream into a new open file, leaving runs of zeros as holes: marked sparse, WRITEs
 * of zeros only left out, the size set at the end. Resolves with the file's size. Throws what
 * writeStream and setEndOfFile throw.
 */
export async function writeWithHoles(
  share: Smb2Share,
  file: OpenFile,
  data: AsyncIterable<Buffer>,
  signal: AbortSignal,
): Promise<number> {
  // Before the WRITEs: NTFS fills a gap in a file not marked sparse with allocated zeros.
  // (Samba answers SUCCESS but its files show no sparse attribute after the writes, times
  // and rename; its files keep their holes regardless: POSIX writes past a gap leave one.)
  await markSparse(share, file, signal);
  const size = await writeStream(share, file, data, signal, true);
  await setEndOfFile(share, file, size, signal);
  return size;
}
