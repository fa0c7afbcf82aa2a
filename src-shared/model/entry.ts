/** What a folder listing shows for one entry. */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface Entry {
  name: string;
  kind: EntryKind;
  /** Bytes; 0 for folders. */
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtimeMs: number;
  /** For a symlink: what it points at resolves to a folder, so the browser can enter it. */
  targetIsDir?: boolean;
  /** Why this entry cannot be transferred (an object key that cannot be a file name...). */
  problem?: string;
}

/** One folder of a location as its file browser shows it; paths are relative to its root. */
export interface LocationListing {
  /** The folder listed, relative to the location's root ('' for the root). */
  path: string;
  /** Its parent folder, or null at the root. */
  parent: string | null;
  entries: Entry[];
  /**
   * More entries follow: browse again with this cursor (stores that list in pages, S3). Absent
   * when these are the last.
   */
  next?: string;
}

/** One folder's contents as the file browser shows it. */
export interface Listing {
  /** The absolute, normalised path that was listed. */
  path: string;
  /** The parent folder, or null at a root ("/" or "C:\"). */
  parent: string | null;
  entries: Entry[];
  /** Entries that could not be examined (vanished or unreadable while listing). */
  skipped: number;
  /**
   * The NFS or SMB share the folder lives on when the OS mounted one there, so the UI can say so
   * (and suggest a direct NFS/SMB location). Null or absent for local disks or when unknown.
   */
  networkMount?: NetworkMount | null;
}

/** A network file system the OS has mounted (an NFS export or an SMB share). */
export interface NetworkMount {
  protocol: 'nfs' | 'smb';
  /** Where it comes from, as the OS names it: "server:/export" or "//server/share". */
  source: string;
  /**
   * Where it is mounted on this machine: "/mnt/data", "/Volumes/share", or a UNC root such as
   * \\server\share on Windows.
   */
  mountPoint: string;
}

/** A short label for a network mount: "NFS mount · server:/export". */
export function describeNetworkMount(mount: NetworkMount): string {
  return `${mount.protocol.toUpperCase()} mount · ${mount.source}`;
}
