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
}
