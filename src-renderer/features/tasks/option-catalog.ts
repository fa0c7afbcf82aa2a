import type { TaskOptions } from '../../../src-shared/model/task';

/*
 * Every choice option of a task in plain words: a label, a one-line explanation, and what each
 * of DataSync's values means. The values themselves (and the defaults) come from the shared
 * model; this only says them in words, grouped the way the editor shows them.
 */

/** The options chosen from a list (the numeric ones have their own controls). */
export type ChoiceOption = Exclude<keyof TaskOptions, 'BytesPerSecond' | 'Parallelism'>;

export interface ChoiceInfo<K extends ChoiceOption = ChoiceOption> {
  key: K;
  label: string;
  explanation: string;
  /** Words for each DataSync value, in the model's order (the default first). */
  values: Record<TaskOptions[K], string>;
}

function info<K extends ChoiceOption>(
  key: K,
  label: string,
  explanation: string,
  values: Record<TaskOptions[K], string>,
): ChoiceInfo {
  return { key, label, explanation, values } as unknown as ChoiceInfo;
}

const ID_VALUES = {
  INT_VALUE: 'Numeric ID',
  NAME: 'Name',
  BOTH: 'Numeric ID and name',
  NONE: 'Do not copy',
} as const;

export const WHAT_MOVES: ChoiceInfo[] = [
  info(
    'TransferMode',
    'Transfer mode',
    'Copy only what differs from the destination, or everything every time.',
    { CHANGED: 'Only what changed', ALL: 'Everything' },
  ),
  info(
    'OverwriteMode',
    'Overwrite files',
    'Whether files that already exist at the destination may be replaced.',
    { ALWAYS: 'Replace when they differ', NEVER: 'Never replace' },
  ),
  info(
    'PreserveDeletedFiles',
    'Deleted files',
    'What happens to destination files that are no longer in the source.',
    { PRESERVE: 'Keep them at the destination', REMOVE: 'Delete them (mirror the source)' },
  ),
];

export const WHAT_IS_KEPT: ChoiceInfo[] = [
  info(
    'Mtime',
    'Modification time',
    'Keep each file’s last-modified time; the next run uses it to find what changed.',
    { PRESERVE: 'Keep it', NONE: 'Do not copy' },
  ),
  info('Atime', 'Access time', 'Keep each file’s last-access time where the destination allows.', {
    BEST_EFFORT: 'Keep it when possible',
    NONE: 'Do not copy',
  }),
  info('Uid', 'Owner (user)', 'Copy the POSIX owner of each file and folder.', ID_VALUES),
  info('Gid', 'Group', 'Copy the POSIX group of each file and folder.', ID_VALUES),
  info('PosixPermissions', 'Permissions', 'Copy POSIX read, write and execute permissions.', {
    PRESERVE: 'Keep them',
    NONE: 'Do not copy',
  }),
  info(
    'PreserveDevices',
    'Devices and pipes',
    'Copy block and character devices and named pipes (rarely wanted).',
    { NONE: 'Skip them', PRESERVE: 'Copy them' },
  ),
  info(
    'PreserveHardLinks',
    'Hard links',
    'Keep files with several names (hard links) as one file where the destination can (local, NFS, SMB); elsewhere each name is copied and the report says so.',
    { PRESERVE: 'Keep them as links', NONE: 'Copy each name as a file' },
  ),
  info(
    'SecurityDescriptorCopyFlags',
    'Windows security',
    'Copy the owner and access lists of files (only between SMB locations).',
    {
      NONE: 'Do not copy',
      OWNER_DACL: 'Owner and permissions (DACL)',
      OWNER_DACL_SACL: 'Owner, permissions and auditing (SACL)',
    },
  ),
  info('ObjectTags', 'Object tags', 'Copy the tags of objects (only between S3 locations).', {
    PRESERVE: 'Keep them',
    NONE: 'Do not copy',
  }),
];

export const WHAT_IS_CHECKED: ChoiceInfo[] = [
  info(
    'VerifyMode',
    'Verify data',
    'After copying, read back and compare checksums to prove the data arrived intact.',
    {
      ONLY_FILES_TRANSFERRED: 'Files that were copied',
      POINT_IN_TIME_CONSISTENT: 'The whole destination',
      NONE: 'Do not verify',
    },
  ),
  info('LogLevel', 'Log', 'What the run records in its log and task report.', {
    BASIC: 'Errors and a summary',
    TRANSFER: 'Every file',
    OFF: 'Nothing',
  }),
];

export const TASK_QUEUEING_INFO: ChoiceInfo = info(
  'TaskQueueing',
  'When already running',
  'What starting this task does while a run of it is still in progress.',
  { ENABLED: 'Queue the new run', DISABLED: 'Refuse to start' },
);

/** Every option's label, for messages that name one (conflicts, server errors). */
export function optionLabel(key: keyof TaskOptions): string {
  if (key === 'BytesPerSecond') return 'Bandwidth limit';
  if (key === 'Parallelism') return 'Files at once';
  const all = [...WHAT_MOVES, ...WHAT_IS_KEPT, ...WHAT_IS_CHECKED, TASK_QUEUEING_INFO];
  return all.find((i) => i.key === key)?.label ?? key;
}
