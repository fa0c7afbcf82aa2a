import { useState, type ReactElement } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { ExecutionRecord } from '../../../src-shared/model/execution';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import type { Task } from '../../../src-shared/model/task';
import { describeLocation, kindLabel } from '../locations/describe-location';
import { navigate } from '../../stores/nav-store';
import { useTasksStore } from '../../stores/tasks-store';
import { describeCron, formatRunTime, relativeTime, statusBadge } from './task-format';

/**
 * One saved task in the list: what it moves where, when it runs next, how its last run went,
 * and its actions. Delete asks again in place, not in a modal.
 */
export function TaskCard(props: {
  task: Task;
  locations: SavedLocation[];
  lastRun: ExecutionRecord | null | undefined;
  nextRun: number | undefined;
}): ReactElement {
  const { task, lastRun, nextRun } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'run' | 'export' | 'delete' | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const headingId = `task-${task.id}-name`;

  const act = async (
    kind: 'run' | 'export' | 'delete',
    action: () => Promise<{ ok: boolean; error?: ErrorInfo }>,
  ): Promise<void> => {
    setBusy(kind);
    setError(null);
    const result = await action();
    setBusy(null);
    if (!result.ok && result.error) setError(result.error);
  };
  const store = useTasksStore.getState();

  return (
    <li className="task-card card" aria-labelledby={headingId}>
      <div className="task-card-main">
        <h2 id={headingId} className="task-card-name">
          {task.name}
        </h2>
        <TaskRoute
          source={props.locations.find((l) => l.id === task.sourceLocationId)}
          destination={props.locations.find((l) => l.id === task.destinationLocationId)}
        />
        <p className="task-card-meta">
          <span>
            {task.schedule?.enabled ? (
              <>
                {describeCron(task.schedule.cron)}
                {nextRun !== undefined && (
                  <>
                    {' · next run '}
                    <time dateTime={new Date(nextRun).toISOString()} title={formatRunTime(nextRun)}>
                      {relativeTime(nextRun)}
                    </time>
                  </>
                )}
              </>
            ) : (
              'Runs when you start it'
            )}
          </span>
          <LastRun run={lastRun} />
        </p>
        {error && (
          <p className="task-card-error" role="alert">
            {error.message}
          </p>
        )}
      </div>
      {confirming ? (
        <div className="task-card-actions task-card-confirm" role="group" aria-label="Confirm">
          <span>Delete “{task.name}”? Its past runs stay in the history.</span>
          <button
            type="button"
            className="btn btn-small btn-danger"
            disabled={busy !== null}
            onClick={() =>
              void act('delete', async () => {
                const result = await store.remove(task.id);
                if (!result.ok) setConfirming(false);
                return result;
              })
            }
          >
            Delete task
          </button>
          <button
            type="button"
            className="btn btn-small"
            autoFocus
            onClick={() => setConfirming(false)}
          >
            Keep it
          </button>
        </div>
      ) : (
        <div className="task-card-actions">
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy !== null}
            aria-label={`Run ${task.name}`}
            onClick={() => void act('run', () => store.run(task.id))}
          >
            {busy === 'run' ? 'Starting…' : 'Run'}
          </button>
          <button
            type="button"
            className="btn"
            aria-label={`Edit ${task.name}`}
            onClick={() => navigate({ view: 'task-editor', taskId: task.id })}
          >
            Edit
          </button>
          <button
            type="button"
            className="btn"
            disabled={busy !== null}
            aria-label={`Export preset of ${task.name}`}
            onClick={() => void act('export', () => store.exportPreset(task.id))}
          >
            Export preset
          </button>
          <button
            type="button"
            className="btn btn-danger"
            aria-label={`Delete ${task.name}`}
            onClick={() => setConfirming(true)}
          >
            Delete
          </button>
        </div>
      )}
    </li>
  );
}

function TaskRoute(props: {
  source: SavedLocation | undefined;
  destination: SavedLocation | undefined;
}): ReactElement {
  return (
    <p className="task-card-route">
      <End location={props.source} side="Source" />
      <span className="task-card-arrow" aria-label="to">
        →
      </span>
      <End location={props.destination} side="Destination" />
    </p>
  );
}

function End(props: { location: SavedLocation | undefined; side: string }): ReactElement {
  const { location } = props;
  if (!location) return <span className="task-card-end missing">{props.side} not found</span>;
  const description = describeLocation(location.config);
  return (
    <span className="task-card-end" title={`${location.name}: ${description}`}>
      <span className="badge">{kindLabel(location.config)}</span>
      <span className="task-card-path">{description}</span>
    </span>
  );
}

function LastRun(props: { run: ExecutionRecord | null | undefined }): ReactElement | null {
  const { run } = props;
  if (run === undefined) return null;
  if (run === null) return <span className="task-card-last">Never run</span>;
  const badge = statusBadge(run.status);
  const at = run.endTime ?? run.startTime;
  return (
    <span className="task-card-last">
      Last run{' '}
      <button
        type="button"
        className={`${badge.className} badge-button`}
        title="Open this execution"
        onClick={() => navigate({ view: 'execution', executionId: run.id })}
      >
        {badge.label}
      </button>{' '}
      <time dateTime={new Date(at).toISOString()} title={formatRunTime(at)}>
        {relativeTime(at)}
      </time>
    </span>
  );
}
