import { useState, type ReactElement } from 'react';
import { invoke } from '../../lib/api-client';
import { saveFile } from '../../lib/save-file';
import type { ReportFilter } from './report-pages';

/**
 * "Export CSV" and "Export JSON": the task report with the table's current filter, produced by
 * main (executions:export-report) and handed to the user as a download.
 */
export function ExportButtons(props: {
  executionId: string;
  filter: ReportFilter;
  /** Nothing to export (an empty report or filter). */
  disabled?: boolean;
}): ReactElement {
  const [busy, setBusy] = useState<'csv' | 'json' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const exportAs = async (format: 'csv' | 'json'): Promise<void> => {
    setBusy(format);
    setError(null);
    const result = await invoke('executions:export-report', {
      id: props.executionId,
      format,
      ...props.filter,
    });
    setBusy(null);
    if (result.ok) saveFile(result.value);
    else setError(`Could not export the report: ${result.error.message}`);
  };

  return (
    <span className="xf-export">
      <button
        type="button"
        className="btn btn-small"
        disabled={busy !== null || props.disabled === true}
        onClick={() => void exportAs('csv')}
      >
        {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={busy !== null || props.disabled === true}
        onClick={() => void exportAs('json')}
      >
        {busy === 'json' ? 'Exporting…' : 'Export JSON'}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
