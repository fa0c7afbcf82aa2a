import { useCallback, useEffect, useId, useRef, useState, type ReactElement } from 'react';
import type { SavedLocation } from '../../../src-shared/model/location-config';
import { useLocationsStore } from '../../stores/locations-store';
import { navigate, type Route } from '../../stores/nav-store';
import { BrowserPane } from '../locations/browser-pane';
import { FiltersSection } from './filters-section';
import { LocationSlot } from './location-slot';
import { OptionsSection } from './options-section';
import { ScheduleSection, useNextRuns } from './schedule-section';
import { blockingProblems, saveBlockedReason, type FieldErrors, type TaskForm } from './task-form';
import { useTaskForm } from './use-task-form';
import './tasks.css';
import './task-editor.css';

const BROWSE_KEY = 'dataferry.taskEditor.browse';

/**
 * A task's editor: the form on the left (locations, options, filters, schedule), a browser pane
 * on the right whose folders can be dragged onto the Source and Destination slots.
 */
export function TaskEditor(props: {
  route: Extract<Route, { view: 'task-editor' }>;
}): ReactElement {
  const editor = useTaskForm(props.route);
  const { form, update } = editor;
  const locations = useLocationsStore((s) => s.locations);
  const locationsLoaded = useLocationsStore((s) => s.loaded);
  const [browseOpen, setBrowseOpen] = useState(() => localStorage.getItem(BROWSE_KEY) !== 'off');
  const [controlProblems, setControlProblems] = useState<FieldErrors>({});
  const formId = useId();
  const nameId = useId();
  const nameErrorId = useId();
  const paneId = useId();

  useEffect(() => {
    void useLocationsStore.getState().load();
  }, []);

  // A new task that arrives with both locations chosen gets its suggested name at once.
  const { nameEdited, name, sourceLocationId, destinationLocationId } = form;
  useEffect(() => {
    if (!locationsLoaded || nameEdited || name !== '') return;
    const suggestion = suggestName(locations, sourceLocationId, destinationLocationId);
    if (suggestion) update({ name: suggestion });
  }, [
    locationsLoaded,
    locations,
    nameEdited,
    name,
    sourceLocationId,
    destinationLocationId,
    update,
  ]);

  const setProblem = useCallback((key: keyof FieldErrors, message: string | undefined) => {
    setControlProblems((current) => {
      if (current[key] === message) return current;
      const next = { ...current };
      if (message === undefined) delete next[key];
      else next[key] = message;
      return next;
    });
  }, []);
  const runs = useNextRuns(form.scheduleOn ? form.cron.trim() : '');
  // The pane opens on the source once; later choices must not yank it from where the user is.
  const paneStart = useRef<string | null>(null);

  const toggleBrowse = (): void => {
    localStorage.setItem(BROWSE_KEY, browseOpen ? 'off' : 'on');
    setBrowseOpen(!browseOpen);
  };

  /** Sets a side, and the suggested name while the user has not typed one. */
  const chooseLocation = (patch: Partial<TaskForm>): void => {
    const next = { ...form, ...patch };
    // The store's current list: a dropped folder may have just become a new location.
    const suggestion = suggestName(
      useLocationsStore.getState().locations,
      next.sourceLocationId,
      next.destinationLocationId,
    );
    update(!form.nameEdited && suggestion ? { ...patch, name: suggestion } : patch);
  };

  if (editor.status !== 'ready' || !locationsLoaded) {
    return (
      <section className="page" aria-label="Task editor">
        {editor.status === 'load-failed' ? (
          <div className="notice notice-error" role="alert">
            Could not open this task: {editor.loadError?.message}{' '}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => navigate({ view: 'tasks' })}
            >
              Back to tasks
            </button>
          </div>
        ) : (
          <p className="hint">Loading…</p>
        )}
      </section>
    );
  }

  paneStart.current ??= form.sourceLocationId;
  const problems = blockingProblems(form, {
    ...controlProblems,
    ...(runs?.kind === 'failed' ? { cron: runs.error.message } : {}),
  });
  const errors: FieldErrors = { ...editor.errors, ...problems };
  const blockedReason = saveBlockedReason(problems);
  const title = editor.taskId ? `Edit task` : 'New task';

  return (
    <section className="task-editor" aria-labelledby={`${formId}-title`}>
      <header className="page-header task-editor-header">
        <h1 id={`${formId}-title`}>{title}</h1>
        <button
          type="button"
          className={browseOpen ? 'btn btn-toggle on' : 'btn btn-toggle'}
          aria-expanded={browseOpen}
          aria-controls={paneId}
          onClick={toggleBrowse}
        >
          Browse
        </button>
      </header>
      <div className={browseOpen ? 'task-editor-body with-pane' : 'task-editor-body'}>
        <form
          id={formId}
          className="task-editor-form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            if (!blockedReason) void editor.save(false);
          }}
        >
          {editor.saveError && (
            <div className="notice notice-error" role="alert">
              {editor.saveError.message}
            </div>
          )}
          {errors.form && (
            <div className="notice notice-error" role="alert">
              {errors.form}
            </div>
          )}
          <div className="field task-name">
            <label htmlFor={nameId}>Name</label>
            <input
              id={nameId}
              value={form.name}
              maxLength={200}
              placeholder="e.g. Photos to the NAS"
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errors.name ? nameErrorId : undefined}
              onChange={(event) => update({ name: event.target.value, nameEdited: true })}
            />
            {errors.name && (
              <span id={nameErrorId} className="error" role="alert">
                {errors.name}
              </span>
            )}
          </div>
          <section className="editor-section" aria-label="Locations">
            <div className="slots">
              <LocationSlot
                side="Source"
                locations={locations}
                value={form.sourceLocationId}
                error={errors.source}
                onChange={(sourceLocationId) => chooseLocation({ sourceLocationId })}
              />
              <button
                type="button"
                className="btn swap"
                aria-label="Swap source and destination"
                title="Swap source and destination"
                onClick={() =>
                  chooseLocation({
                    sourceLocationId: form.destinationLocationId,
                    destinationLocationId: form.sourceLocationId,
                  })
                }
              >
                ⇄
              </button>
              <LocationSlot
                side="Destination"
                locations={locations}
                value={form.destinationLocationId}
                error={errors.destination}
                onChange={(destinationLocationId) => chooseLocation({ destinationLocationId })}
              />
            </div>
            {locations.length < 2 && (
              <p className="hint">
                A task needs two locations. Drag folders from the browser on the right, or{' '}
                <button
                  type="button"
                  className="tasks-link"
                  onClick={() => navigate({ view: 'location-editor', locationId: null })}
                >
                  add a location
                </button>
                .
              </p>
            )}
          </section>
          <OptionsSection
            options={form.options}
            onChange={(options) => update({ options })}
            errors={errors}
            onProblem={setProblem}
          />
          <FiltersSection
            sourceLocationId={form.sourceLocationId}
            includes={form.includes}
            excludes={form.excludes}
            errors={errors}
            onChange={update}
          />
          <ScheduleSection
            on={form.scheduleOn}
            cron={form.cron}
            error={editor.errors.cron}
            onChange={update}
            runs={runs}
          />
        </form>
        {browseOpen && (
          <div id={paneId} className="task-editor-pane">
            <BrowserPane initialLocationId={paneStart.current || undefined} />
          </div>
        )}
      </div>
      <footer className="task-editor-footer">
        <p className="task-editor-reason" id={`${formId}-reason`} role="status">
          {blockedReason ?? ''}
        </p>
        <button type="button" className="btn" onClick={() => navigate({ view: 'tasks' })}>
          Cancel
        </button>
        <button
          type="submit"
          form={formId}
          className="btn"
          disabled={blockedReason !== null || editor.saving}
          aria-describedby={blockedReason ? `${formId}-reason` : undefined}
        >
          Save
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={blockedReason !== null || editor.saving}
          aria-describedby={blockedReason ? `${formId}-reason` : undefined}
          onClick={() => void editor.save(true)}
        >
          {editor.saving ? 'Saving…' : 'Save and run'}
        </button>
      </footer>
    </section>
  );
}

/** "Photos to NAS backup" from the two chosen locations, or null until both are. */
function suggestName(
  locations: SavedLocation[],
  sourceId: string,
  destinationId: string,
): string | null {
  const source = locations.find((l) => l.id === sourceId);
  const destination = locations.find((l) => l.id === destinationId);
  return source && destination ? `${source.name} to ${destination.name}` : null;
}
