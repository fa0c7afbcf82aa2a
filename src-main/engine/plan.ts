import type { ErrorCode } from '../../src-shared/errors';
import type { EntryInfo } from '../locations/location';

/** What TRANSFERRING (and the delete step) does with one entry. */
export type PlanAction =
  | 'copy' // new at the destination
  | 'update' // exists at the destination but differs
  | 'meta' // same content, metadata to apply
  | 'mkdir'
  | 'symlink'
  | 'link' // another name of a file copied before it (a hard link), made after the copies
  | 'delete' // destination-only file or link (PreserveDeletedFiles=REMOVE)
  | 'rmdir' // destination-only folder
  | 'skip'; // reported, not moved (unchanged, OverwriteMode=NEVER, unsupported kind...)

/** An entry of the source (or, for deletes, of the destination) and what to do with it. */
export interface PlanItem extends EntryInfo {
  action: PlanAction;
  /** Why it is skipped, for the report; 'unchanged' for files equal on both sides. */
  detail?: string;
  /**
   * With a skip: the report's error code. 'invalid-name' for an entry whose name cannot be
   * transferred (a problem entry of the source, or a name the destination cannot tell apart).
   */
  errorCode?: ErrorCode;
  /**
   * With a skip: the destination, not the source, cannot hold the entry (two names that differ
   * only in case on a case-insensitive destination). Reported as failed, so the run ends ERROR.
   */
  failed?: boolean;
  /** With 'link': the path of the file this one is another name of (written first). */
  hardLinkTo?: string;
  /**
   * With a skip: the source entry cannot be copied (a name no file can carry, a special file, a
   * link towards a store without links, a type conflict). Reported as not-copied, so the run
   * ends ERROR instead of passing it off as unchanged.
   */
  notCopied?: boolean;
  /**
   * With a mkdir: whether the folder is new at the destination (true), already there (false),
   * or unknown because the destination was not compared (absent: TransferMode=ALL).
   */
  newFolder?: boolean;
}

export const TRANSFER_ACTIONS: readonly PlanAction[] = ['copy', 'update', 'symlink'];
export const DELETE_ACTIONS: readonly PlanAction[] = ['delete', 'rmdir'];
