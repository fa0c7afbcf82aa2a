import type { ErrorInfo } from '../../../src-shared/errors';
import {
  defaultTaskOptions,
  optionConflicts,
  taskInputSchema,
  type Task,
  type TaskInput,
  type TaskOptions,
} from '../../../src-shared/model/task';
import type { Route } from '../../stores/nav-store';
import { optionLabel, WHAT_IS_CHECKED, WHAT_IS_KEPT, WHAT_MOVES } from './option-catalog';
import { joinPatterns, splitPatterns } from './task-format';

/*
 * The task editor's form as plain data, and the pure steps around it: a new or loaded form,
 * the request it becomes, and why it cannot be saved yet. The hook and the components only
 * move this data around.
 */

export interface TaskForm {
  name: string;
  /** False while the name is the one suggested from the two locations. */
  nameEdited: boolean;
  /** '' while not chosen. */
  sourceLocationId: string;
  destinationLocationId: string;
  options: TaskOptions;
  /** One pattern per line, as the user edits them. */
  includes: string;
  excludes: string;
  scheduleOn: boolean;
  cron: string;
}

/** Fields a problem can be shown next to. */
export type FieldKey =
  /** A problem no single field owns. */
  'form' | 'name' | 'source' | 'destination' | 'includes' | 'excludes' | 'cron' | keyof TaskOptions;

export type FieldErrors = Partial<Record<FieldKey, string>>;

export const DEFAULT_CRON = '0 2 * * *';

/** A new task's form, with what the route chose already (a dropped folder, a picked location). */
export function newForm(route: Extract<Route, { view: 'task-editor' }>): TaskForm {
  return {
    name: '',
    nameEdited: false,
    sourceLocationId: route.sourceLocationId ?? '',
    destinationLocationId: route.destinationLocationId ?? '',
    options: defaultTaskOptions(),
    includes: splitPatterns(route.includes ?? ''),
    excludes: '',
    scheduleOn: false,
    cron: DEFAULT_CRON,
  };
}

/** The form of a saved task. */
export function formFromTask(task: Task): TaskForm {
  return {
    name: task.name,
    nameEdited: true,
    sourceLocationId: task.sourceLocationId,
    destinationLocationId: task.destinationLocationId,
    options: { ...defaultTaskOptions(), ...task.options },
    includes: splitPatterns(task.includes),
    excludes: splitPatterns(task.excludes),
    scheduleOn: task.schedule?.enabled ?? false,
    cron: task.schedule?.cron ?? DEFAULT_CRON,
  };
}

/** What tasks:create / tasks:update receive for this form. */
export function toTaskInput(form: TaskForm): TaskInput {
  return {
    name: form.name.trim(),
    sourceLocationId: form.sourceLocationId,
    destinationLocationId: form.destinationLocationId,
    options: form.options,
    includes: joinPatterns(form.includes),
    excludes: joinPatterns(form.excludes),
    schedule: form.scheduleOn ? { cron: form.cron.trim(), enabled: true } : null,
  };
}

/**
 * What keeps Save disabled, each next to its field: option combinations DataSync refuses, the
 * same location twice, and problems the controls found (a bad number, an invalid cron).
 */
export function blockingProblems(form: TaskForm, controlProblems: FieldErrors): FieldErrors {
  const problems: FieldErrors = { ...controlProblems };
  if (!form.scheduleOn) delete problems.cron;
  for (const conflict of optionConflicts(form.options)) {
    problems[conflict.path as keyof TaskOptions] = conflict.message;
  }
  if (form.sourceLocationId !== '' && form.sourceLocationId === form.destinationLocationId) {
    problems.destination =
      'The destination must be a different location from the source: choose another one.';
  }
  return problems;
}

/** One sentence for the Save button's side: why it is disabled. */
export function saveBlockedReason(problems: FieldErrors): string | null {
  const keys = (Object.keys(problems) as FieldKey[]).sort(
    (a, b) => FIELD_ORDER.indexOf(a) - FIELD_ORDER.indexOf(b),
  );
  if (keys.length === 0) return null;
  const names = keys.map(fieldName);
  return `Cannot save yet: fix ${names.length === 1 ? 'the problem' : `${names.length} problems`} shown at ${names.join(', ')}.`;
}

/** The fields in the order the editor shows them, for listing problems top to bottom. */
const FIELD_ORDER: FieldKey[] = [
  'form',
  'name',
  'source',
  'destination',
  ...[...WHAT_MOVES, ...WHAT_IS_KEPT, ...WHAT_IS_CHECKED].map((i) => i.key),
  'BytesPerSecond',
  'Parallelism',
  'TaskQueueing',
  'includes',
  'excludes',
  'cron',
];

function fieldName(key: FieldKey): string {
  switch (key) {
    case 'form':
      return 'the top';
    case 'name':
      return 'Name';
    case 'source':
      return 'Source';
    case 'destination':
      return 'Destination';
    case 'includes':
      return 'Include';
    case 'excludes':
      return 'Exclude';
    case 'cron':
      return 'Schedule';
    default:
      return optionLabel(key);
  }
}

/** Checks the request as main will; the errors by field, or the validated request. */
export function validateForm(
  form: TaskForm,
): { ok: true; input: TaskInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (form.sourceLocationId === '') errors.source = 'Choose the location to copy from.';
  if (form.destinationLocationId === '') errors.destination = 'Choose the location to copy to.';
  const parsed = taskInputSchema.safeParse(toTaskInput(form));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = fieldOfPath(issue.path.map(String)) ?? 'form';
      errors[key] ??= issue.message;
    }
  }
  if (!form.name.trim()) errors.name = 'Give the task a name.';
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: parsed.data };
}

/** The fields main's invalid-input details name (`issues: [{path, message}]`). */
export function fieldErrorsOf(error: ErrorInfo): FieldErrors {
  const issues = error.details?.issues;
  const errors: FieldErrors = {};
  if (!Array.isArray(issues)) return errors;
  for (const issue of issues as unknown[]) {
    if (typeof issue !== 'object' || issue === null) continue;
    const { path, message } = issue as { path?: unknown; message?: unknown };
    if (typeof path !== 'string' || typeof message !== 'string') continue;
    const key = fieldOfPath(path.split('.').filter((p) => p !== 'task'));
    if (key && !errors[key]) errors[key] = message;
  }
  return errors;
}

function fieldOfPath(path: string[]): FieldKey | null {
  const [first, second] = path;
  switch (first) {
    case 'name':
    case 'includes':
    case 'excludes':
      return first;
    case 'sourceLocationId':
      return 'source';
    case 'destinationLocationId':
      return 'destination';
    case 'schedule':
      return 'cron';
    case 'options':
      return (second as keyof TaskOptions | undefined) ?? null;
    default:
      return null;
  }
}
