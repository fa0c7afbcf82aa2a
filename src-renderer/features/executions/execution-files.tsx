import { useCallback, useEffect, useId, useState, type ReactElement } from 'react';
import { formatCount } from '../../components/file-browser/format';
import {
  FILE_ACTIONS,
  isFinalStatus,
  type ExecutionRecord,
  type FileAction,
  type FileProgress,
  type FileResult,
} from '../../../src-shared/model/execution';
import { fileModel, useExecutionsStore } from '../../stores/executions-store';
import { actionBadge, fileStateBadge } from './execution-format';
import { ExportButtons } from './export-buttons';
import { FileResultsTable, type FileRow } from './file-results-table';
import { LIVE_FILTERS, useLiveRows, type LiveFilter } from './live-rows';
import { useFailureReasons } from './failure-reasons';
import { useReportPages, type ReportFilter } from './report-pages';

type Source = 'live' | 'report';
type ActionFilter = 'all' | FileAction;

const SEARCH_DEBOUNCE_MS = 300;

/**
 * The per-file section: while the run is in progress, the files as they move (live progress
 * events) or the task report written so far; once it ended, the task report, read page by page,
 * filtered by action and path on the server, and exportable as CSV or JSON.
 */
export function ExecutionFiles(props: { record: ExecutionRecord }): ReactElement {
  const { record } = props;
  const ended = isFinalStatus(record.status);
  const [chosen, setChosen] = useState<Source>('live');
  const source: Source = ended ? 'report' : chosen;
  const [liveFilter, setLiveFilter] = useState<LiveFilter>('all');
  const [action, setAction] = useState<ActionFilter>('all');
  const [searchText, setSearchText] = useState('');
  const [follow, setFollow] = useState(true);
  const search = useDebounced(searchText.trim(), SEARCH_DEBOUNCE_MS);
  const selectId = useId();

  useExecutionsStore((s) => s.frame); // re-render as the live model changes
  const model = source === 'live' ? fileModel(record.id) : undefined;
  const live = useLiveRows(model, model?.version ?? 0, liveFilter, search);
  const filter: ReportFilter = {
    ...(action !== 'all' ? { action } : {}),
    ...(search ? { search } : {}),
  };
  const report = useReportPages(record.id, filter, source === 'report');
  const reasons = useFailureReasons(record.id, record.counters.FilesFailed, source === 'live');

  const liveRow = (file: FileProgress): FileRow => ({
    path: file.path,
    size: file.size,
    state: file.state,
    badge: fileStateBadge(file.state),
    progress:
      file.state === 'verifying' || (file.state === 'transferring' && file.size === 0)
        ? 'indeterminate'
        : file.state === 'transferring'
          ? file.bytesDone / file.size
          : null,
    extra: null,
    reason: file.state === 'failed' ? (reasons.get(file.path) ?? null) : null,
  });

  const count = source === 'live' ? live.count : (report.total ?? 0);
  const rowAt = (index: number): FileRow | undefined => {
    if (source === 'live') {
      const file = live.fileAt(index);
      return file && liveRow(file);
    }
    const line = report.lineAt(index);
    return line && reportRow(line);
  };
  const filtered = search !== '' || (source === 'live' ? liveFilter !== 'all' : action !== 'all');
  const { ensureRange } = report;
  const onRangeChange = useCallback(
    (first: number, last: number) => ensureRange(first, last),
    [ensureRange],
  );

  return (
    <section className="card exec-files" aria-label="Files">
      <div className="xf-toolbar">
        <h2>Files</h2>
        {!ended && (
          <div className="segmented" role="group" aria-label="Rows from">
            <button
              type="button"
              aria-pressed={source === 'live'}
              onClick={() => setChosen('live')}
            >
              Live activity
            </button>
            <button
              type="button"
              aria-pressed={source === 'report'}
              onClick={() => setChosen('report')}
            >
              Report so far
            </button>
          </div>
        )}
        <label className="xf-filter" htmlFor={selectId}>
          Show
        </label>
        {source === 'live' ? (
          <select
            id={selectId}
            value={liveFilter}
            onChange={(event) => setLiveFilter(event.target.value as LiveFilter)}
          >
            {LIVE_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        ) : (
          <select
            id={selectId}
            value={action}
            onChange={(event) => setAction(event.target.value as ActionFilter)}
          >
            <option value="all">All</option>
            {FILE_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionBadge(a).label}
              </option>
            ))}
          </select>
        )}
        <input
          type="search"
          className="xf-search"
          aria-label="Search path"
          placeholder="Search path"
          value={searchText}
          onChange={(event) => setSearchText(event.target.value)}
        />
        {source === 'live' && (
          <label className="xf-follow" title="Keep the files in progress in view">
            <input
              type="checkbox"
              checked={follow}
              disabled={filtered}
              onChange={(event) => setFollow(event.target.checked)}
            />
            Follow progress
          </label>
        )}
        <span className="xf-count" aria-live="polite">
          {source === 'report' && report.total === null
            ? 'Loading…'
            : source === 'report'
              ? // A file has a line per action (transferred, then verified): count lines.
                `${formatCount(count)} report ${count === 1 ? 'line' : 'lines'}`
              : `${formatCount(count)} ${count === 1 ? 'file' : 'files'}`}
        </span>
        {ended && (
          <ExportButtons executionId={record.id} filter={filter} disabled={!report.total} />
        )}
      </div>
      {source === 'report' && report.error && (
        <div className="notice notice-error xf-notice" role="alert">
          Could not read the task report: {report.error.message}{' '}
          <button type="button" className="btn btn-small" onClick={report.reload}>
            Try again
          </button>
        </div>
      )}
      <FileResultsTable
        label={source === 'live' ? 'Files in progress' : 'Task report'}
        fourthColumn={source === 'live' ? 'Progress' : 'Checksum'}
        count={count}
        version={source === 'live' ? (model?.version ?? 0) : report.version}
        rowAt={rowAt}
        rowKey={source === 'live' ? liveRowKey : undefined}
        onRangeChange={source === 'report' ? onRangeChange : undefined}
        followIndex={source === 'live' && follow && !filtered ? (model?.firstActive ?? 0) : null}
        onUserScroll={() => setFollow(false)}
        empty={emptyText(
          record,
          source,
          filtered,
          source === 'report' && report.total === null && !report.error,
        )}
      />
    </section>
  );
}

function reportRow(line: FileResult): FileRow {
  return {
    path: line.path,
    size: line.size,
    state: line.action,
    badge: actionBadge(line.action),
    progress: null,
    extra: line.sourceChecksum ?? line.destinationChecksum,
    reason: line.detail
      ? line.errorCode
        ? `${line.detail} (${line.errorCode})`
        : line.detail
      : null,
  };
}

function emptyText(
  record: ExecutionRecord,
  source: Source,
  filtered: boolean,
  loading: boolean,
): string {
  if (loading) return 'Loading the task report…';
  if (filtered) return 'No file matches these filters.';
  if (source === 'report') {
    const stoppedEarly =
      record.status !== 'SUCCESS' && record.phases.TRANSFERRING.startedAt === null;
    if (isFinalStatus(record.status) && stoppedEarly)
      return 'The run stopped before any file was handled, so its task report is empty.';
    if (isFinalStatus(record.status) && record.status !== 'SUCCESS')
      return 'No line was written to the task report for this run.';
    return isFinalStatus(record.status)
      ? 'The task report is empty: nothing was transferred, deleted or skipped. Unchanged files are listed only with LogLevel TRANSFER.'
      : 'No line in the task report yet: lines are written in batches as files finish.';
  }
  if (record.status === 'QUEUED') return 'Queued: files appear here once the run starts.';
  if (record.status === 'LAUNCHING' || record.status === 'PREPARING')
    return 'Comparing source and destination: files appear here once the transfer starts.';
  return 'Waiting for the first files…';
}

/** `value`, once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function liveRowKey(row: FileRow): string {
  return row.path;
}
