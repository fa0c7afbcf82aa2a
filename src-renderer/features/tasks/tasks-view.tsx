import { useEffect, type ReactElement } from 'react';
import { on } from '../../lib/api-client';
import { useLocationsStore } from '../../stores/locations-store';
import { navigate } from '../../stores/nav-store';
import { useTasksStore } from '../../stores/tasks-store';
import { usePresetImport } from './preset-import';
import { TaskCard } from './task-card';
import './tasks.css';

/**
 * The start screen: saved tasks (presets) with Run / Edit / Export / Delete, "New task" and
 * "Import preset…", and a first-use state that says what to do first.
 */
export function TasksView(): ReactElement {
  const tasks = useTasksStore((s) => s.tasks);
  const loaded = useTasksStore((s) => s.loaded);
  const error = useTasksStore((s) => s.error);
  const lastRuns = useTasksStore((s) => s.lastRuns);
  const nextRuns = useTasksStore((s) => s.nextRuns);
  const locations = useLocationsStore((s) => s.locations);
  const presetImport = usePresetImport();

  useEffect(() => {
    void useTasksStore.getState().load();
    // Runs started elsewhere (the scheduler, another window) update the badges live.
    return on('execution:updated', (record) => useTasksStore.getState().noteExecution(record));
  }, []);

  return (
    <section className="page tasks-page" aria-labelledby="tasks-title">
      <header className="page-header">
        <h1 id="tasks-title">Tasks</h1>
        <button type="button" className="btn" onClick={presetImport.open}>
          Import preset…
        </button>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => navigate({ view: 'task-editor', taskId: null })}
        >
          New task
        </button>
        <p className="subtitle">
          Saved tasks are presets: run them again any time, and only what changed moves.
        </p>
      </header>
      {presetImport.input}
      {presetImport.notice}
      {error && (
        <div className="notice notice-error" role="alert">
          Could not load the tasks: {error.message}
        </div>
      )}
      {loaded && !error && tasks.length === 0 && <FirstUse locationCount={locations.length} />}
      {tasks.length > 0 && (
        <ul className="task-list" aria-label="Saved tasks">
          {tasks.map((task) => (
            <TaskCard
              key={task.id}
              task={task}
              locations={locations}
              lastRun={lastRuns[task.id]}
              nextRun={nextRuns[task.id]}
            />
          ))}
        </ul>
      )}
      {tasks.length > 0 && (
        <p className="tasks-tip">
          Tip: drop a folder from your file manager onto this window to start a task with it as the
          source.
        </p>
      )}
    </section>
  );
}

/** What a first-time user sees: the two steps, each one click away. */
function FirstUse(props: { locationCount: number }): ReactElement {
  const enough = props.locationCount >= 2;
  return (
    <div className="empty-state card tasks-empty">
      <svg
        width="56"
        height="40"
        viewBox="0 0 56 40"
        aria-hidden="true"
        className="tasks-empty-art"
      >
        <rect x="2" y="8" width="18" height="24" rx="3" fill="none" stroke="currentColor" />
        <rect x="36" y="8" width="18" height="24" rx="3" fill="none" stroke="currentColor" />
        <path d="M23 20h10m-4-4 4 4-4 4" fill="none" stroke="currentColor" strokeWidth="2" />
      </svg>
      <h2>{enough ? 'Create your first task' : 'Add two locations, then create a task'}</h2>
      <p>
        A task copies a source location to a destination location, with the options you choose, and
        can run on a schedule.
        {!enough &&
          ' Locations are folders on this computer, SMB and NFS file servers, or S3 buckets.'}
      </p>
      <ol className="tasks-steps">
        <li className={enough ? 'done' : undefined}>
          Add a source and a destination location
          {props.locationCount > 0 && ` (${props.locationCount} saved)`}
        </li>
        <li>Create a task that connects them, then run it</li>
      </ol>
      <div className="tasks-empty-actions">
        <button
          type="button"
          className={enough ? 'btn' : 'btn btn-primary'}
          onClick={() => navigate({ view: 'location-editor', locationId: null })}
        >
          Add a location
        </button>
        <button
          type="button"
          className={enough ? 'btn btn-primary' : 'btn'}
          onClick={() => navigate({ view: 'task-editor', taskId: null })}
        >
          New task
        </button>
      </div>
      <p className="hint">
        Or drop a folder from your file manager onto this window, or import a preset file.
      </p>
    </div>
  );
}
