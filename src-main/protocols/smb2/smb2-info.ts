import { Smb2FormatError } from './smb2-header';
import { slice } from './smb2-negotiate';

/*
 * File information classes (MS-FSCC 2.4) as QUERY_DIRECTORY, QUERY_INFO and SET_INFO carry
 * them (MS-SMB2 2.2.33-2.2.40): pure encode and decode, little-endian, no I/O. Times are
 * FILETIMEs (MS-FSCC 2.1.1): 100 ns ticks since 1601-01-01 UTC, kept as BigInt.
 */

export const FileInfoClass = {
  FileDirectoryInformation: 1,
  FileFullDirectoryInformation: 2,
  FileBothDirectoryInformation: 3,
  FileBasicInformation: 4,
  FileStandardInformation: 5,
  FileInternalInformation: 6,
  FileRenameInformation: 10,
  FileDispositionInformation: 13,
  FileAllInformation: 18,
  FileAllocationInformation: 19,
  FileEndOfFileInformation: 20,
  FileNetworkOpenInformation: 34,
  FileIdBothDirectoryInformation: 37,
  FileIdFullDirectoryInformation: 38,
} as const;

export const FileAttribute = {
  READONLY: 0x1,
  HIDDEN: 0x2,
  SYSTEM: 0x4,
  DIRECTORY: 0x10,
  ARCHIVE: 0x20,
  NORMAL: 0x80,
  TEMPORARY: 0x100,
  SPARSE_FILE: 0x200,
  REPARSE_POINT: 0x400,
  COMPRESSED: 0x800,
  OFFLINE: 0x1000,
  NOT_CONTENT_INDEXED: 0x2000,
  ENCRYPTED: 0x4000,
} as const;

/** One file's times (FILETIME: 100 ns units since 1601, as BigInt), sizes and attributes. */
export interface SmbFileInfo {
  name: string;
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  endOfFile: bigint;
  allocationSize: bigint;
  attributes: number;
  fileId: bigint | null;
  /** reparse tag when REPARSE_POINT (EaSize field doubles as it in directory entries) */
  reparseTag: number | null;
}

/** FILETIME of 1970-01-01T00:00:00Z. */
const UNIX_EPOCH_FILETIME = 116444736000000000n;
const TICKS_PER_MS = 10000n;
/** A FILETIME is a signed 64-bit count that MUST be >= 0 (MS-FSCC 2.1.1). */
const INT64_MAX = 0x7fffffffffffffffn;

/** Milliseconds since the Unix epoch (with a fraction: FILETIME's 100 ns survive) <-> FILETIME. RangeError outside FILETIME's range. */
export function filetimeToMs(filetime: bigint): number {
  if (filetime < 0n || filetime > INT64_MAX) {
    throw new RangeError(`FILETIME out of range: ${filetime}`);
  }
  // Whole milliseconds and the ticks left over, both with the sign of the whole: converting
  // them apart keeps the 100 ns that one Number of ticks (past 2^53, after 1998) would round.
  const ticks = filetime - UNIX_EPOCH_FILETIME;
  return Number(ticks / TICKS_PER_MS) + Number(ticks % TICKS_PER_MS) / 10000;
}

/** The times FILETIME can hold, in ms (the latest rounded as filetimeToMs rounds it). */
const MIN_MS = filetimeToMs(0n);
const MAX_MS = filetimeToMs(INT64_MAX);

export function msToFiletime(ms: number): bigint {
  if (!(ms >= MIN_MS && ms <= MAX_MS)) {
    throw new RangeError(`Time outside FILETIME's range: ${ms} ms`);
  }
  const whole = Math.trunc(ms);
  const ticks = BigInt(whole) * TICKS_PER_MS + BigInt(Math.round((ms - whole) * 10000));
  // MAX_MS may have rounded up past the last FILETIME: it still means that one.
  const filetime = UNIX_EPOCH_FILETIME + ticks;
  return filetime > INT64_MAX ? INT64_MAX : filetime;
}

/*
 * The directory entry classes share their first 64 bytes (NextEntryOffset, FileIndex, the four
 * times, EndOfFile, AllocationSize, FileAttributes, FileNameLength); EaSize follows at 64 in
 * all but FileDirectoryInformation. Where the name and the 8-byte FileId sit:
 */
interface EntryLayout {
  nameOffset: number;
  fileIdOffset: number | null;
  hasEaSize: boolean;
}
const ENTRY_LAYOUTS = new Map<number, EntryLayout>([
  [
    FileInfoClass.FileDirectoryInformation,
    { nameOffset: 64, fileIdOffset: null, hasEaSize: false },
  ],
  [
    FileInfoClass.FileFullDirectoryInformation,
    { nameOffset: 68, fileIdOffset: null, hasEaSize: true },
  ],
  // EaSize, ShortNameLength (1), Reserved (1), ShortName (24 bytes).
  [
    FileInfoClass.FileBothDirectoryInformation,
    { nameOffset: 94, fileIdOffset: null, hasEaSize: true },
  ],
  // As Both, then Reserved2 (2) and FileId.
  [
    FileInfoClass.FileIdBothDirectoryInformation,
    { nameOffset: 104, fileIdOffset: 96, hasEaSize: true },
  ],
  // EaSize, Reserved (4), FileId.
  [
    FileInfoClass.FileIdFullDirectoryInformation,
    { nameOffset: 80, fileIdOffset: 72, hasEaSize: true },
  ],
]);

/** Walks a QUERY_DIRECTORY output buffer by NextEntryOffset for FileIdBothDirectoryInformation, FileIdFullDirectoryInformation, FileBothDirectoryInformation, FileFullDirectoryInformation or FileDirectoryInformation. Names are UTF-16LE. '.' and '..' are returned like any other (the caller drops them). Throws Smb2FormatError for an entry that runs past the buffer, a NextEntryOffset that goes backwards or is not 8-byte aligned... never loops for ever. */
export function parseDirectoryEntries(buffer: Buffer, infoClass: number): SmbFileInfo[] {
  const layout = ENTRY_LAYOUTS.get(infoClass);
  if (!layout) throw new RangeError(`Not a directory information class: ${infoClass}`);
  const entries: SmbFileInfo[] = [];
  let at = 0;
  // Each step moves forward by at least the fixed part (>= 64 bytes), so the walk ends.
  while (at < buffer.length) {
    const entry = slice(buffer, at, layout.nameOffset, 'directory entry');
    const nameLength = entry.readUInt32LE(60);
    const name = readName(buffer, at + layout.nameOffset, nameLength, 'directory entry name');
    const attributes = entry.readUInt32LE(56);
    entries.push({
      name,
      ...readTimes(entry, 8),
      endOfFile: entry.readBigUInt64LE(40),
      allocationSize: entry.readBigUInt64LE(48),
      attributes,
      fileId: layout.fileIdOffset === null ? null : entry.readBigUInt64LE(layout.fileIdOffset),
      reparseTag:
        layout.hasEaSize && attributes & FileAttribute.REPARSE_POINT
          ? entry.readUInt32LE(64)
          : null,
    });
    const next = entry.readUInt32LE(0);
    if (next === 0) break;
    if (next % 8 !== 0) {
      throw new Smb2FormatError(`Malformed directory entry: NextEntryOffset ${next} not 8-aligned`);
    }
    if (next < layout.nameOffset + nameLength) {
      throw new Smb2FormatError(
        `Malformed directory entry: NextEntryOffset ${next} points back into the entry at ${at}`,
      );
    }
    if (at + next >= buffer.length) {
      throw new Smb2FormatError(
        `Malformed directory entry: NextEntryOffset ${next} at ${at} is past the end (${buffer.length})`,
      );
    }
    at += next;
  }
  return entries;
}

/** FileNetworkOpenInformation (56 bytes): times, sizes, attributes (name ''). Throws Smb2FormatError when short. */
export function parseNetworkOpenInformation(buffer: Buffer): SmbFileInfo {
  const info = slice(buffer, 0, 56, 'FileNetworkOpenInformation');
  return {
    name: '',
    ...readTimes(info, 0),
    allocationSize: info.readBigUInt64LE(32),
    endOfFile: info.readBigUInt64LE(40),
    attributes: info.readUInt32LE(48),
    fileId: null,
    reparseTag: null,
  };
}

/*
 * FileAllInformation (MS-FSCC 2.4.2): Basic (40 bytes: four times, FileAttributes, Reserved),
 * Standard (24: AllocationSize, EndOfFile, NumberOfLinks, DeletePending, Directory, Reserved),
 * Internal (8: IndexNumber), Ea (4), Access (4), Position (8), Mode (4), Alignment (4), then
 * Name (FileNameLength, FileName) at 96.
 */
const ALL_INFORMATION_NAME = 96;

/** FileAllInformation -> the same, plus the file id from its internal information; name from its name information. */
export function parseAllInformation(buffer: Buffer): SmbFileInfo {
  const info = slice(buffer, 0, ALL_INFORMATION_NAME + 4, 'FileAllInformation');
  const nameLength = info.readUInt32LE(ALL_INFORMATION_NAME);
  return {
    name: readName(buffer, ALL_INFORMATION_NAME + 4, nameLength, 'FileAllInformation name'),
    ...readTimes(info, 0),
    attributes: info.readUInt32LE(32),
    allocationSize: info.readBigUInt64LE(40),
    endOfFile: info.readBigUInt64LE(48),
    fileId: info.readBigUInt64LE(64),
    reparseTag: null,
  };
}

/** FileBasicInformation for SET_INFO: 0n leaves a time unchanged (MS-FSCC 2.4.7), attributes 0 leaves them. */
export function encodeBasicInformation(fields: {
  creationTime?: bigint;
  lastAccessTime?: bigint;
  lastWriteTime?: bigint;
  changeTime?: bigint;
  attributes?: number;
}): Buffer {
  const out = Buffer.alloc(40); // the last 4 bytes are Reserved
  // Signed: MS-FSCC also gives -1n (stop updating this time on this handle) and -2n (resume).
  const times = [
    fields.creationTime,
    fields.lastAccessTime,
    fields.lastWriteTime,
    fields.changeTime,
  ];
  times.forEach((time, i) => out.writeBigInt64LE(time ?? 0n, i * 8));
  out.writeUInt32LE(fields.attributes ?? 0, 32);
  return out;
}

/** FileRenameInformation, SMB2 form (TYPE_2): ReplaceIfExists, RootDirectory 0, the new name as a path from the share's root with backslashes, UTF-16LE. */
export function encodeRenameInformation(newPath: string, replaceIfExists: boolean): Buffer {
  // '/' is not a legal character in an SMB name, so taking it for a separator loses nothing;
  // the path is relative to the share's root, so it has no leading separator.
  const path = newPath.replace(/\//g, '\\').replace(/^\\+/, '');
  if (path === '') throw new RangeError('A rename needs a new name');
  const name = Buffer.from(path, 'utf16le');
  // ReplaceIfExists (1), Reserved (7), RootDirectory (8), FileNameLength (4), FileName, then
  // Padding so that the structure is at least 24 bytes (MS-FSCC, FileRenameInformation for
  // SMB2; MS-SMB2 3.3.5.21.1 has servers fail a shorter buffer).
  const out = Buffer.alloc(Math.max(24, 20 + name.length));
  out.writeUInt8(replaceIfExists ? 1 : 0, 0);
  out.writeUInt32LE(name.length, 16);
  name.copy(out, 20);
  return out;
}

/** FileDispositionInformation: DeletePending, one byte. */
export function encodeDispositionInformation(deletePending: boolean): Buffer {
  return Buffer.from([deletePending ? 1 : 0]);
}

/** FileEndOfFileInformation: EndOfFile, a signed 64-bit size that MUST be >= 0. */
export function encodeEndOfFileInformation(size: bigint): Buffer {
  if (size < 0n || size > INT64_MAX) throw new RangeError(`End of file out of range: ${size}`);
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(size, 0);
  return out;
}

function readTimes(
  from: Buffer,
  offset: number,
): Pick<SmbFileInfo, 'creationTime' | 'lastAccessTime' | 'lastWriteTime' | 'changeTime'> {
  return {
    creationTime: from.readBigUInt64LE(offset),
    lastAccessTime: from.readBigUInt64LE(offset + 8),
    lastWriteTime: from.readBigUInt64LE(offset + 16),
    changeTime: from.readBigUInt64LE(offset + 24),
  };
}

/** A UTF-16LE name of `length` bytes at `offset`: Smb2FormatError when cut off or odd-sized. */
function readName(buffer: Buffer, offset: number, length: number, what: string): string {
  if (length % 2 !== 0) throw new Smb2FormatError(`Malformed ${what}: odd length ${length}`);
  return slice(buffer, offset, length, what).toString('utf16le');
}
