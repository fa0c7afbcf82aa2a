import type { KeyboardEvent, ReactElement } from 'react';
import { formatBytes, formatCount, formatDate } from '../../components/file-browser/format';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import { navigate } from '../../stores/nav-store';
import {
  elapsedMs,
  formatDuration,
  formatShortDate,
  isActive,
  statusBadgeClass,
  statusLabel,
} from '../executions/execution-format';

/**
 * The executions as a table; a row opens its execution view on click, Enter or Space, and the
 * arrow keys move between rows.
 */
export function HistoryTable(props: {
  records: readonly ExecutionRecord[];
  now: number;
}): ReactElement {
  const open = (record: ExecutionRecord): void =>
    navigate({ view: 'execution', executionId: record.id });

  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, record: ExecutionRecord): void => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(record);
      return;
    }
    const row = event.currentTarget;
    const target =
      event.key === 'ArrowDown'
        ? row.nextElementSibling
        : event.key === 'ArrowUp'
          ? row.previousElementSibling
          : null;
    if (target instanceof HTMLElement) {
      event.preventDefault();
      target.focus();
    }
  };

  return (
    <div className="card history-card">
      <table className="history-table" aria-label="Executions">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Task</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Files
            </th>
            <th scope="col" className="num">
              Data
            </th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((record) => {
            const c = record.counters;
            return (
              <tr
                key={record.id}
                tabIndex={0}
                data-testid="history-row"
                data-execution-id={record.id}
                data-status={record.status}
                aria-label={`${record.taskName}, ${statusLabel(record.status)}, started ${formatDate(record.startTime)}`}
                onClick={() => open(record)}
                onKeyDown={(event) => onKeyDown(event, record)}
              >
                <td>
                  <span className={statusBadgeClass(record.status)}>
                    {statusLabel(record.status)}
                  </span>
                  {record.interrupted && <span className="history-flag">interrupted</span>}
                </td>
                <td className="history-task">
                  <span className="history-name" title={record.taskName}>
                    {record.taskName}
                  </span>
                  <span
                    className="history-route"
                    title={`${record.sourceDescription} → ${record.destinationDescription}`}
                  >
                    {record.sourceDescription}
                    <span className="history-arrow"> → </span>
                    {record.destinationDescription}
                  </span>
                </td>
                <td className="history-date" title={formatDate(record.startTime)}>
                  {formatShortDate(record.startTime, props.now)}
                </td>
                <td className="num">
                  {formatDuration(elapsedMs(record, props.now))}
                  {isActive(record) && <span className="visually-hidden"> so far</span>}
                </td>
                <td className="num">
                  {formatCount(c.FilesTransferred)}
                  {c.FilesFailed > 0 && (
                    <span className="history-failed"> · {formatCount(c.FilesFailed)} failed</span>
                  )}
                  {c.FilesNotCopied > 0 && (
                    <span className="history-failed">
                      {' '}
                      · {formatCount(c.FilesNotCopied)} not copied
                    </span>
                  )}
                </td>
                <td className="num">{formatBytes(c.BytesTransferred)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
