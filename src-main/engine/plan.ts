import type { EntryType } from '../locations/location';

/** What TRANSFERRING (and the delete step) does with one entry. */
export type PlanAction =
  | 'copy' // new at the destination
  | 'update' // exists at the destination but differs
  | 'meta' // same content, metadata to apply
  | 'mkdir'
  | 'symlink'
  | 'delete' // destination-only file or link (PreserveDeletedFiles=REMOVE)
  | 'rmdir' // destination-only folder
  | 'skip'; // reported, not moved (unchanged, OverwriteMode=NEVER, unsupported kind...)

export interface PlanItem {
  path: string;
  action: PlanAction;
  type: EntryType;
  size: number;
  mtimeMs: number;
  atimeMs?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  linkTarget?: string;
  /** Why it is skipped, for the report; 'unchanged' for files equal on both sides. */
  detail?: string;
}

export const TRANSFER_ACTIONS: readonly PlanAction[] = ['copy', 'update', 'symlink'];
export const DELETE_ACTIONS: readonly PlanAction[] = ['delete', 'rmdir'];
