import { AppError } from '../../../src-shared/errors';
import { Access, CreateOption, Disposition, type Smb2Share } from '../../protocols/smb2/smb2-files';
import { FileAttribute } from '../../protocols/smb2/smb2-info';

/*
 * Making a folder and its missing parents without OPEN_IF: impacket's server refuses OPEN_IF
 * on a folder that exists (it opens it to truncate, and answers ACCESS_DENIED). A folder is
 * made new (disposition CREATE); a name already there (OBJECT_NAME_COLLISION) is opened to
 * see that it is a folder. In the common case, a parent that exists, that is one round trip
 * (CREATE and CLOSE in one chain) where OPEN_IF took two per segment of the path from the
 * share's root; each missing parent adds two.
 */

const NOT_THERE = new Set([
  'STATUS_OBJECT_NAME_NOT_FOUND',
  'STATUS_OBJECT_PATH_NOT_FOUND',
  'STATUS_NO_SUCH_FILE',
]);

const statusOf = (error: unknown): string | undefined =>
  (error as { statusName?: string }).statusName;

/**
 * Makes the folder `full` (a path inside the share, backslashes) and any missing parents.
 * Idempotent. Throws AppError('not-dir') naming `where` when a file is in the way, else the
 * client's errors (the server's status, never one made up here).
 */
export async function makeFolder(
  share: Smb2Share,
  full: string,
  where: string,
  signal: AbortSignal,
): Promise<void> {
  const notDir = (): AppError =>
    new AppError('not-dir', `Not a folder: ${where} (a file is in the way)`, { path: where });
  const isFolder = async (path: string): Promise<boolean | null> =>
    share.attributesOf(path, signal).then(
      (found) => (found.attributes & FileAttribute.DIRECTORY) !== 0,
      (error: unknown) => {
        // impacket answers NO_SUCH_FILE where Windows and Samba answer OBJECT_NAME_NOT_FOUND.
        if (NOT_THERE.has(statusOf(error) ?? '')) return null;
        throw error;
      },
    );
  const create = async (path: string): Promise<void> => {
    await share
      .createAndClose(
        path,
        {
          access: Access.READ_ATTRIBUTES | Access.SYNCHRONIZE,
          disposition: Disposition.CREATE,
          options: CreateOption.DIRECTORY_FILE,
        },
        signal,
      )
      .catch(async (error: unknown) => {
        const name = statusOf(error);
        if (name === 'STATUS_NOT_A_DIRECTORY') throw notDir();
        if (name !== 'STATUS_OBJECT_NAME_COLLISION') throw error;
        // There already (made by another writer, or before): a folder, or a file in the way.
        const folder = await isFolder(path);
        if (folder === false) throw notDir();
        if (folder === null) throw error;
      });
  };
  const make = async (path: string): Promise<void> => {
    try {
      await create(path);
    } catch (error) {
      const cut = path.lastIndexOf('\\');
      if (error instanceof AppError || cut <= 0) throw error;
      // A parent may be missing (Samba: OBJECT_PATH_NOT_FOUND; impacket: ACCESS_DENIED): made
      // first (a file in the way fails it with not-dir), then this again, whose failure is
      // then its own.
      await make(path.slice(0, cut));
      await create(path);
    }
  };
  const path = full.split('\\').filter(Boolean).join('\\');
  if (path !== '') await make(path);
}
