import { useCallback, useEffect, useState } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import { invoke } from '../../lib/api-client';
import { navigate, type Route } from '../../stores/nav-store';
import { useTasksStore } from '../../stores/tasks-store';
import {
  fieldErrorsOf,
  formFromTask,
  newForm,
  validateForm,
  type FieldErrors,
  type TaskForm,
} from './task-form';

export type EditorStatus = 'loading' | 'ready' | 'load-failed';

/**
 * The task editor's state: the form (new, or loaded from main), its errors, and Save / Save and
 * run. After Save the list shows again; after Save and run, the execution.
 */
export function useTaskForm(route: Extract<Route, { view: 'task-editor' }>): {
  status: EditorStatus;
  loadError: ErrorInfo | null;
  form: TaskForm;
  update: (patch: Partial<TaskForm>) => void;
  errors: FieldErrors;
  saveError: ErrorInfo | null;
  saving: boolean;
  save: (andRun: boolean) => Promise<void>;
  /** The saved task's id: the route's, or the new one once saved. */
  taskId: string | null;
} {
  const [taskId, setTaskId] = useState<string | null>(route.taskId);
  const [status, setStatus] = useState<EditorStatus>(route.taskId ? 'loading' : 'ready');
  const [loadError, setLoadError] = useState<ErrorInfo | null>(null);
  const [form, setForm] = useState<TaskForm>(() => newForm(route));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saveError, setSaveError] = useState<ErrorInfo | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!route.taskId) return undefined;
    let live = true;
    void invoke('tasks:get', { id: route.taskId }).then((result) => {
      if (!live) return;
      if (result.ok) {
        setForm(formFromTask(result.value));
        setStatus('ready');
      } else {
        setLoadError(result.error);
        setStatus('load-failed');
      }
    });
    return () => {
      live = false;
    };
  }, [route.taskId]);

  const update = useCallback((patch: Partial<TaskForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    // A field's error goes as soon as the user changes that field.
    setErrors((current) => {
      const next = { ...current };
      if ('name' in patch) delete next.name;
      if ('sourceLocationId' in patch) delete next.source;
      if ('destinationLocationId' in patch) delete next.destination;
      if ('includes' in patch) delete next.includes;
      if ('excludes' in patch) delete next.excludes;
      if ('cron' in patch || 'scheduleOn' in patch) delete next.cron;
      return next;
    });
  }, []);

  const save = async (andRun: boolean): Promise<void> => {
    const checked = validateForm(form);
    if (!checked.ok) {
      setErrors(checked.errors);
      setSaveError(null);
      return;
    }
    setSaving(true);
    setSaveError(null);
    const result = taskId
      ? await invoke('tasks:update', { id: taskId, task: checked.input })
      : await invoke('tasks:create', checked.input);
    if (!result.ok) {
      setSaving(false);
      setErrors(fieldErrorsOf(result.error));
      setSaveError(result.error);
      return;
    }
    setTaskId(result.value.id);
    void useTasksStore.getState().load();
    if (!andRun) {
      navigate({ view: 'tasks' });
      return;
    }
    const started = await useTasksStore.getState().run(result.value.id);
    setSaving(false);
    if (!started.ok) {
      setSaveError({
        ...started.error,
        message: `The task was saved, but it could not start: ${started.error.message}`,
      });
    }
  };

  return { status, loadError, form, update, errors, saveError, saving, save, taskId };
}
