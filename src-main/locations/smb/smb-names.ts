import { AppError } from '../../../src-shared/errors';
import type { SmbFileInfo } from '../../protocols/smb2/smb2-info';
import type { EntryInfo } from '../location';
import {
  assertSafeRelativePath,
  joinRelative,
  listedNameProblem,
  refusedNameEntry,
} from '../relative-path';
import { toEntry } from './smb-io';

/*
 * Which names an SMB share can hold, checked on our side before any request: a server reads a
 * backslash as a folder separator (a name "..\..\x" would climb out of the location) and a colon
 * as a stream name ("a:b" is the stream b of the file a), and Windows servers refuse or
 * misread the other characters and forms MS-FSCC 2.1.5 rules out. Refusing them ourselves
 * makes every SMB server (Samba maps some of them instead) give the same answer:
 * invalid-name, naming the file and the reason.
 */

/** Characters no Windows file name may hold besides '\' and ':' (MS-FSCC 2.1.5.2). */
const WINDOWS_FORBIDDEN = /["*<>?|]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0001-\u001f]/;
// eslint-disable-next-line no-control-regex -- the same, to escape them in messages
const CONTROL_ALL = /[\u0000-\u001f]/g;
/** Device names Windows reserves in every folder, with or without an extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** MS-FSCC 2.1.5.2: a name is at most 255 UTF-16 code units. */
const NAME_MAX = 255;

/**
 * Why one name cannot be a file or folder name on an SMB share, or null when it can. Covers
 * listedNameProblem's rules (empty, '.', '..', '/', NUL) and Windows': backslash, colon,
 * `" * < > ? |`, control characters, a trailing dot or space, reserved device names (CON,
 * NUL, COM1...), more than 255 UTF-16 code units. Never throws.
 */
export function smbNameProblem(name: string): string | null {
  const general = listedNameProblem(name);
  if (general) return general;
  if (name.includes('\\')) return 'a "\\" in its name, which SMB reads as a folder separator';
  if (name.includes(':')) return 'a ":" in its name, which SMB reads as a stream name';
  if (WINDOWS_FORBIDDEN.test(name)) return 'a character Windows forbids in names (" * < > ? |)';
  if (CONTROL.test(name)) return 'a control character in its name';
  if (name.endsWith('.') || name.endsWith(' ')) {
    return 'a trailing dot or space, which Windows drops from names';
  }
  if (RESERVED.test(name.trimEnd())) return 'a name Windows reserves for a device';
  if (name.length > NAME_MAX) return `a name longer than ${NAME_MAX} characters`;
  return null;
}

/**
 * Refuses a relative path an SMB share cannot hold: assertSafeRelativePath's rules, then
 * smbNameProblem for each segment. `where` names the location in the message ("SMB
 * //server/share/folder"). Returns the path. Throws AppError('invalid-name').
 */
export function assertSmbPath(path: string, where: string): string {
  assertSafeRelativePath(path);
  if (path === '') return path;
  for (const segment of path.split('/')) {
    const problem = smbNameProblem(segment);
    if (problem) {
      // Control characters escaped: the message goes to logs and CSV reports.
      const shown = `${where}/${path}`.replace(
        CONTROL_ALL,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      throw new AppError(
        'invalid-name',
        `Invalid name on SMB: ${JSON.stringify(segment)} in ${shown}: it has ${problem}`,
        { path: shown },
      );
    }
  }
  return path;
}

/**
 * The entry for a name a folder listing returned: the usual entry, or, for a name this client
 * would refuse (a hostile or Samba-unmangled name such as "..\evil", "a:b" or "a/b"), an inert
 * problem entry that the engine reports and skips. Never throws.
 */
export function listedEntry(folder: string, info: SmbFileInfo): EntryInfo {
  const problem = smbNameProblem(info.name);
  if (problem) return refusedNameEntry(folder, info.name, 'SMB name', problem);
  return toEntry(joinRelative(folder, info.name), info);
}
