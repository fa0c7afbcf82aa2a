import type { ReactElement } from 'react';
import type { ExecutionRecord } from '../../../src-shared/model/execution';

/**
 * What went wrong (or what a cancel and an interruption mean), in words, above everything else
 * once the run ended without success.
 */
export function ExecutionNotice({ record }: { record: ExecutionRecord }): ReactElement | null {
  if (record.interrupted) {
    return (
      <div className="notice notice-error exec-notice" role="alert" data-testid="execution-error">
        <strong>Interrupted.</strong>{' '}
        {record.error?.message ?? 'DataFerry stopped during this run.'}
        <p>
          DataFerry was closed (or stopped) while this execution was running, so it never finished.
          Files already moved stay at the destination, and no partly written file was left under its
          final name. Run the task again: only what is still missing or changed will move.
        </p>
      </div>
    );
  }
  if (record.status === 'ERROR') {
    return (
      <div className="notice notice-error exec-notice" role="alert" data-testid="execution-error">
        <strong>This run failed.</strong> {record.error?.message ?? 'The cause was not recorded.'}
        {record.error && <code className="exec-code">{record.error.code}</code>}
        {record.counters.FilesFailed > 0 && (
          <p>The failed files and their reasons are listed below (Show: Failed).</p>
        )}
        {record.counters.FilesNotCopied > 0 && (
          <p>
            Some entries could not be copied and are not at the destination; they and the reasons
            are listed below (Show: Not copied).
          </p>
        )}
      </div>
    );
  }
  if (record.status === 'CANCELLED') {
    return (
      <div className="notice exec-notice exec-notice-warn" role="status">
        <strong>Cancelled.</strong> {sentence(record.error?.message ?? 'Cancelled by the user')}{' '}
        Files transferred before the cancel stay at the destination; none was left half-written
        under its final name, and nothing was deleted.
      </div>
    );
  }
  return null;
}

/** Ends a message with a full stop, so the explanation after it reads as its own sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text : `${text}.`;
}
