import type { EntryInfo } from '../locations/location';

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

/** An entry of the source (or, for deletes, of the destination) and what to do with it. */
export interface PlanItem extends EntryInfo {
  action: PlanAction;
  /** Why it is skipped, for the report; 'unchanged' for files equal on both sides. */
  detail?: string;
}

export const TRANSFER_ACTIONS: readonly PlanAction[] = ['copy', 'update', 'symlink'];
export const DELETE_ACTIONS: readonly PlanAction[] = ['delete', 'rmdir'];
