import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import {
  loadExecutions,
  startExecutionsStore,
  useExecutionsStore,
} from '../../stores/executions-store';
import { navigate } from '../../stores/nav-store';
import { isActive } from '../executions/execution-format';
import { useNow } from '../executions/use-now';
import { HistoryTable } from './history-table';
import './history.css';

/** Executions per executions:list call ("Load more" asks for the next ones). */
export const HISTORY_PAGE_SIZE = 50;

export type StatusFilter = 'all' | 'success' | 'error' | 'cancelled' | 'running';

const STATUS_FILTERS: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'success', label: 'Success' },
  { value: 'error', label: 'Error' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'running', label: 'Running' },
];

function matchesStatus(record: ExecutionRecord, filter: StatusFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'success':
      return record.status === 'SUCCESS';
    case 'error':
      return record.status === 'ERROR';
    case 'cancelled':
      return record.status === 'CANCELLED' || record.status === 'CANCELLING';
    case 'running':
      return isActive(record);
  }
}

/**
 * Every execution, newest first, paged with "Load more": running ones update live through the
 * executions store, and new ones appear on top. Filters by status and task name; a row opens
 * its execution view.
 */
export function HistoryView(): ReactElement {
  const records = useExecutionsStore((s) => s.records);
  const [loaded, setLoaded] = useState(0);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [oldestLoaded, setOldestLoaded] = useState<number | null>(null);
  const [status, setStatus] = useState<StatusFilter>('all');
  const [text, setText] = useState('');
  const loadedRef = useRef(0);

  const loadPage = useCallback(async (offset: number): Promise<void> => {
    setLoading(true);
    const result = await loadExecutions({ limit: HISTORY_PAGE_SIZE, offset });
    setLoading(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    const page = result.value;
    loadedRef.current = offset + page.length;
    setLoaded(loadedRef.current);
    setHasMore(page.length === HISTORY_PAGE_SIZE);
    const last = page[page.length - 1];
    if (last) setOldestLoaded(last.startTime);
    else if (offset === 0) setOldestLoaded(null);
  }, []);

  useEffect(() => {
    startExecutionsStore();
    void loadPage(0);
  }, [loadPage]);

  // Everything the store knows within the loaded window (new runs arrive by events, on top).
  const all = useMemo(() => {
    const list = Object.values(records).filter(
      (r) => !hasMore || oldestLoaded === null || r.startTime >= oldestLoaded,
    );
    return list.sort((a, b) => b.startTime - a.startTime || (a.id < b.id ? 1 : -1));
  }, [records, hasMore, oldestLoaded]);

  const needle = text.trim().toLowerCase();
  const shown = all.filter(
    (r) => matchesStatus(r, status) && (!needle || r.taskName.toLowerCase().includes(needle)),
  );
  const anyRunning = all.some(isActive);
  const now = useNow(anyRunning);
  const filtered = status !== 'all' || needle !== '';

  return (
    <section className="page history-page" aria-label="History">
      <header className="page-header">
        <h1>History</h1>
        <button type="button" className="btn" disabled={loading} onClick={() => void loadPage(0)}>
          Refresh
        </button>
        <p className="subtitle">Every run of every task, newest first, with its task report.</p>
      </header>
      <div className="history-filters" role="search">
        <label className="history-filter">
          <span>Status</span>
          <select
            value={status}
            onChange={(event) => setStatus(event.target.value as StatusFilter)}
          >
            {STATUS_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <input
          type="search"
          aria-label="Filter by task name"
          placeholder="Filter by task name"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <span className="history-count" aria-live="polite">
          {filtered
            ? `${shown.length} of ${all.length} loaded`
            : `${all.length} ${all.length === 1 ? 'execution' : 'executions'}${hasMore ? ' loaded' : ''}`}
        </span>
      </div>
      {error && (
        <div className="notice notice-error" role="alert">
          Could not read the history: {error.message}{' '}
          <button type="button" className="btn btn-small" onClick={() => void loadPage(loaded)}>
            Try again
          </button>
        </div>
      )}
      {all.length === 0 && !loading && !error ? (
        <div className="card empty-state" data-testid="history-empty">
          <strong>No executions yet</strong>
          <span>
            Every time a task runs, it is recorded here with its counters and task report.
          </span>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => navigate({ view: 'tasks' })}
          >
            Go to tasks
          </button>
        </div>
      ) : shown.length === 0 && filtered ? (
        <div className="card empty-state">
          <span>No loaded execution matches these filters.</span>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setStatus('all');
              setText('');
            }}
          >
            Clear filters
          </button>
        </div>
      ) : (
        <HistoryTable records={shown} now={now} />
      )}
      {hasMore && (
        <div className="history-more">
          <button
            type="button"
            className="btn"
            disabled={loading}
            onClick={() => void loadPage(loadedRef.current)}
          >
            {loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}
