import { useEffect, useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import { formatDate } from '../../components/file-browser/format';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import { invoke } from '../../lib/api-client';
import {
  loadExecution,
  mergeExecutionRecord,
  startExecutionsStore,
  useExecutionsStore,
  watchExecution,
} from '../../stores/executions-store';
import { navigate } from '../../stores/nav-store';
import { ExecutionFiles } from './execution-files';
import { isActive, statusBadgeClass, statusLabel } from './execution-format';
import { ExecutionNotice } from './execution-notice';
import { ExecutionTotals } from './execution-totals';
import { PhaseTimeline } from './phase-timeline';
import { ThroughputCard } from './throughput-card';
import { useNow } from './use-now';
import './executions.css';

/**
 * One execution, live while it runs and as a report once it ended: header with its actions,
 * DataSync's phase timeline, totals, the throughput chart with the bandwidth limit, and the
 * per-file table.
 */
export function ExecutionView(props: { executionId: string }): ReactElement {
  const { executionId } = props;
  const record = useExecutionsStore((s) => s.records[executionId]);
  const [loadError, setLoadError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    startExecutionsStore();
    return watchExecution(executionId);
  }, [executionId]);

  useEffect(() => {
    let cancelled = false;
    void loadExecution(executionId).then((result) => {
      if (!cancelled) setLoadError(result.ok ? null : result.error);
    });
    return () => {
      cancelled = true;
    };
  }, [executionId]);

  if (!record) {
    return (
      <section className="page exec-page" aria-label="Execution">
        <header className="page-header">
          <h1>Execution</h1>
          <button type="button" className="btn" onClick={() => navigate({ view: 'history' })}>
            Open history
          </button>
        </header>
        {loadError ? (
          <div className="notice notice-error" role="alert">
            Could not open this execution: {loadError.message}
          </div>
        ) : (
          <p className="exec-loading">Loading…</p>
        )}
      </section>
    );
  }
  return <Execution record={record} />;
}

function Execution({ record }: { record: ExecutionRecord }): ReactElement {
  const active = isActive(record);
  const live = useExecutionsStore((s) => s.live[record.id]);
  const now = useNow(active);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const cancel = async (): Promise<void> => {
    setBusy(true);
    const result = await invoke('executions:cancel', { id: record.id });
    setBusy(false);
    if (result.ok) mergeExecutionRecord(result.value);
    else setActionError(`Could not cancel: ${result.error.message}`);
  };

  const runAgain = async (): Promise<void> => {
    if (!record.taskId) return;
    setBusy(true);
    const result = await invoke('executions:start', { taskId: record.taskId });
    setBusy(false);
    if (!result.ok) {
      setActionError(`Could not start the task again: ${result.error.message}`);
      return;
    }
    mergeExecutionRecord(result.value);
    navigate({ view: 'execution', executionId: result.value.id });
  };

  return (
    <section className="page exec-page" aria-label="Execution" data-execution-id={record.id}>
      <header className="page-header">
        <h1 className="exec-title">{record.taskName}</h1>
        <span
          className={statusBadgeClass(record.status)}
          data-testid="execution-status"
          data-status={record.status}
        >
          {statusLabel(record.status)}
        </span>
        <span className="exec-actions">
          {record.status === 'CANCELLING' ? (
            <button type="button" className="btn btn-danger" disabled>
              Cancelling…
            </button>
          ) : active ? (
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() => void cancel()}
            >
              Cancel
            </button>
          ) : (
            record.taskId && (
              <button
                type="button"
                className="btn btn-primary"
                disabled={busy}
                onClick={() => void runAgain()}
              >
                Run again
              </button>
            )
          )}
          <button type="button" className="btn" onClick={() => navigate({ view: 'tasks' })}>
            Back to tasks
          </button>
        </span>
        <p className="subtitle exec-subtitle">
          <span className="exec-route" title={record.sourceDescription}>
            {record.sourceDescription}
          </span>
          <span aria-label="to" className="exec-arrow">
            →
          </span>
          <span className="exec-route" title={record.destinationDescription}>
            {record.destinationDescription}
          </span>
          <span className="exec-started">Started {formatDate(record.startTime)}</span>
        </p>
      </header>
      {actionError && (
        <div className="notice notice-error" role="alert">
          {actionError}
        </div>
      )}
      <ExecutionNotice record={record} />
      <section className="card exec-phases" aria-label="Phase timeline">
        <PhaseTimeline record={record} now={now} />
      </section>
      <div className="exec-grid">
        <ExecutionTotals record={record} live={live} now={now} />
        <ThroughputCard record={record} live={live} />
      </div>
      <ExecutionFiles record={record} />
    </section>
  );
}
