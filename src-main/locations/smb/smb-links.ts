import {
  Access,
  CreateOption,
  Disposition,
  InfoType,
  type Smb2Share,
} from '../../protocols/smb2/smb2-files';
import { encodeRenameInformation } from '../../protocols/smb2/smb2-info';

/*
 * Hard links on an SMB share (issue 15, item 8): SET_INFO FileLinkInformation (MS-FSCC
 * 2.4.27.2) on the open existing file names it a second time. Its SMB2 form is laid out as
 * FileRenameInformation's (ReplaceIfExists, RootDirectory 0, a path from the share's root), and
 * with ReplaceIfExists a file already under the new name is replaced in the same step.
 */

const FILE_LINK_INFORMATION = 11;

/**
 * Makes `path` (share-relative, backslashes) another name of the file at `existing`, replacing
 * a file there. Throws Smb2StatusError (STATUS_OBJECT_NAME_NOT_FOUND for `existing`,
 * STATUS_NOT_SUPPORTED or STATUS_INVALID_DEVICE_REQUEST from a server without hard links,
 * STATUS_NOT_SAME_DEVICE) and what the transport throws.
 */
export async function linkOnShare(
  share: Smb2Share,
  existing: string,
  path: string,
  signal: AbortSignal,
): Promise<void> {
  const file = await share.create(
    existing,
    {
      access: Access.READ_ATTRIBUTES | Access.WRITE_ATTRIBUTES | Access.SYNCHRONIZE,
      disposition: Disposition.OPEN,
      options: CreateOption.NON_DIRECTORY_FILE,
    },
    signal,
  );
  try {
    await share.setInfo(
      file,
      InfoType.FILE,
      FILE_LINK_INFORMATION,
      encodeRenameInformation(path, true),
      { signal },
    );
  } finally {
    await share.close(file);
  }
}
