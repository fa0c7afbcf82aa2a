import { statfsSync } from 'node:fs';
import path from 'node:path';

/*
 * Whether a local folder sits on a disk file system of this machine, where the bytes handed to
 * write(2) are the bytes kept, or on something with a server behind it (NFS, SMB, FUSE...).
 */

/** statfs f_type of Linux's local disk and memory file systems (linux/magic.h). */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0x794c7630, // overlayfs
  0x3153464a, // jfs
  0x52654973, // reiserfs
]);

/**
 * True when `folder` (or, while it does not exist yet, its nearest existing parent) is on a
 * Linux disk or memory file system. False elsewhere (network and FUSE mounts, other OSes, any
 * doubt): there the engine reads written files back to verify them. Never throws.
 */
export function keepsBytesAsWritten(folder: string): boolean {
  if (process.platform !== 'linux') return false;
  let current = path.resolve(folder);
  for (;;) {
    try {
      return LOCAL_FILE_SYSTEMS.has(Number(statfsSync(current).type));
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return false;
      current = parent;
    }
  }
}
