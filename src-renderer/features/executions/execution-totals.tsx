import type { ReactElement, ReactNode } from 'react';
import { formatBytes, formatCount } from '../../components/file-browser/format';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import type { LiveInfo } from '../../stores/executions-store';
import { elapsedMs, formatDuration, formatEta, formatRate, isActive } from './execution-format';

/**
 * The run in numbers: an overall progress bar over the bytes to transfer, then DataSync's
 * counters, the throughput and ETA while transferring, the duration once ended.
 */
export function ExecutionTotals(props: {
  record: ExecutionRecord;
  live: LiveInfo | undefined;
  now: number;
}): ReactElement {
  const { record, live, now } = props;
  const c = record.counters;
  const active = isActive(record);
  const estimated = c.EstimatedBytesToTransfer;
  const done = Math.min(c.BytesTransferred, estimated);
  const percent =
    estimated > 0 ? Math.floor((done / estimated) * 100) : record.status === 'SUCCESS' ? 100 : null;
  const sizing = record.status === 'LAUNCHING' || record.status === 'PREPARING';
  const elapsed = elapsedMs(record, now);
  const transferMs = record.phases.TRANSFERRING.durationMs;
  const average = transferMs && transferMs > 0 ? (c.BytesTransferred * 1000) / transferMs : null;

  return (
    <section className="card exec-totals" aria-label="Totals">
      <div className="exec-progress">
        <div className="exec-progress-head">
          <strong>{headline(record, sizing, percent)}</strong>
          <span>
            {formatBytes(done)} of {formatBytes(estimated)}
          </span>
        </div>
        <div
          className={`progress-track${sizing ? ' indeterminate' : ''}`}
          role="progressbar"
          aria-label="Overall progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={sizing || percent === null ? undefined : percent}
        >
          <div
            className={`progress-fill${record.status === 'ERROR' ? ' is-error' : ''}`}
            style={{ width: `${sizing ? 30 : (percent ?? 0)}%` }}
          />
        </div>
      </div>
      <dl className="stat-grid">
        <Stat name="files" label="Files transferred">
          {formatCount(c.FilesTransferred)}
          <small> of {formatCount(c.EstimatedFilesToTransfer)}</small>
        </Stat>
        <Stat name="bytes" label="Data transferred">
          {formatBytes(c.BytesTransferred)}
          <small> of {formatBytes(estimated)}</small>
        </Stat>
        <Stat name="skipped" label="Skipped">
          {formatCount(c.FilesSkipped)}
        </Stat>
        <Stat name="deleted" label="Deleted">
          {formatCount(c.FilesDeleted)}
          {c.EstimatedFilesToDelete > 0 && (
            <small> of {formatCount(c.EstimatedFilesToDelete)}</small>
          )}
          {c.FilesNotDeleted > 0 && (
            <small> · {formatCount(c.FilesNotDeleted)} not deleted (errors)</small>
          )}
        </Stat>
        {c.FilesNotCopied > 0 && (
          <Stat name="not-copied" label="Not copied" tone="danger">
            {formatCount(c.FilesNotCopied)}
          </Stat>
        )}
        {c.FilesMetadataUpdated > 0 && (
          <Stat name="metadata-updated" label="Metadata updated">
            {formatCount(c.FilesMetadataUpdated)}
          </Stat>
        )}
        {c.FoldersCreated + c.FoldersUpdated > 0 && (
          <Stat name="folders" label="Folders created">
            {formatCount(c.FoldersCreated)}
            {c.FoldersUpdated > 0 && <small> · {formatCount(c.FoldersUpdated)} updated</small>}
          </Stat>
        )}
        {c.FoldersFailed > 0 && (
          <Stat name="folders-failed" label="Folders failed" tone="danger">
            {formatCount(c.FoldersFailed)}
          </Stat>
        )}
        <Stat name="verified" label="Verified">
          {formatCount(c.FilesVerified)}
        </Stat>
        <Stat name="failed" label="Failed" tone={c.FilesFailed > 0 ? 'danger' : undefined}>
          {formatCount(c.FilesFailed)}
        </Stat>
        {record.status === 'TRANSFERRING' && (
          <>
            <Stat name="throughput" label="Throughput">
              {formatRate(live?.throughput ?? 0)}
            </Stat>
            <Stat name="eta" label="Time left">
              {formatEta(live?.etaSeconds ?? null) ?? 'Estimating…'}
            </Stat>
          </>
        )}
        {active ? (
          <Stat name="elapsed" label="Elapsed">
            {formatDuration(elapsed)}
          </Stat>
        ) : (
          <>
            <Stat name="duration" label="Total duration">
              {formatDuration(elapsed)}
            </Stat>
            {average !== null && (
              <Stat name="average" label="Average rate">
                {formatRate(average)}
              </Stat>
            )}
          </>
        )}
      </dl>
      {record.options && (
        <p className="exec-options" data-testid="execution-options">
          <span>Verify {record.options.VerifyMode}</span>
          <span>Transfer {record.options.TransferMode}</span>
          <span>Overwrite {record.options.OverwriteMode}</span>
          <span>Deleted files {record.options.PreserveDeletedFiles}</span>
          <span>Parallelism {record.options.Parallelism}</span>
          <span>Log {record.options.LogLevel}</span>
        </p>
      )}
    </section>
  );
}

function headline(record: ExecutionRecord, sizing: boolean, percent: number | null): string {
  if (sizing) return 'Sizing up the work…';
  if (percent !== null) return `${percent}%`;
  if (record.status === 'QUEUED') return 'Waiting to start';
  return isActive(record) ? '—' : 'Nothing transferred';
}

function Stat(props: {
  name: string;
  label: string;
  tone?: 'danger' | undefined;
  children: ReactNode;
}): ReactElement {
  return (
    <div
      className={`stat${props.tone ? ` stat-${props.tone}` : ''}`}
      data-testid={`stat-${props.name}`}
    >
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}
