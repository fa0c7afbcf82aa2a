import { z } from 'zod';

/**
 * A task's options, with AWS DataSync's names, values and defaults (the first value listed is the
 * default), plus Parallelism, which is ours. Validated together: see `taskOptionsSchema`.
 */

export const VERIFY_MODES = ['ONLY_FILES_TRANSFERRED', 'POINT_IN_TIME_CONSISTENT', 'NONE'] as const;
export const OVERWRITE_MODES = ['ALWAYS', 'NEVER'] as const;
export const TRANSFER_MODES = ['CHANGED', 'ALL'] as const;
export const PRESERVE_DELETED = ['PRESERVE', 'REMOVE'] as const;
export const MTIME_MODES = ['PRESERVE', 'NONE'] as const;
export const ATIME_MODES = ['BEST_EFFORT', 'NONE'] as const;
export const ID_MODES = ['INT_VALUE', 'NAME', 'BOTH', 'NONE'] as const;
export const POSIX_PERMISSION_MODES = ['PRESERVE', 'NONE'] as const;
export const PRESERVE_DEVICES = ['NONE', 'PRESERVE'] as const;
/** Ours (DataSync has none): hard links kept as links where the destination can hold them. */
export const PRESERVE_HARD_LINKS = ['PRESERVE', 'NONE'] as const;
export const SECURITY_DESCRIPTOR_FLAGS = ['NONE', 'OWNER_DACL', 'OWNER_DACL_SACL'] as const;
export const OBJECT_TAG_MODES = ['PRESERVE', 'NONE'] as const;
export const TASK_QUEUEING = ['ENABLED', 'DISABLED'] as const;
export const LOG_LEVELS = ['BASIC', 'TRANSFER', 'OFF'] as const;

export const DEFAULT_PARALLELISM = 8;
export const MAX_PARALLELISM = 64;

const optionsShape = z
  .object({
    VerifyMode: z.enum(VERIFY_MODES).default('ONLY_FILES_TRANSFERRED'),
    OverwriteMode: z.enum(OVERWRITE_MODES).default('ALWAYS'),
    TransferMode: z.enum(TRANSFER_MODES).default('CHANGED'),
    PreserveDeletedFiles: z.enum(PRESERVE_DELETED).default('PRESERVE'),
    Mtime: z.enum(MTIME_MODES).default('PRESERVE'),
    Atime: z.enum(ATIME_MODES).default('BEST_EFFORT'),
    Uid: z.enum(ID_MODES).default('INT_VALUE'),
    Gid: z.enum(ID_MODES).default('INT_VALUE'),
    PosixPermissions: z.enum(POSIX_PERMISSION_MODES).default('PRESERVE'),
    PreserveDevices: z.enum(PRESERVE_DEVICES).default('NONE'),
    PreserveHardLinks: z.enum(PRESERVE_HARD_LINKS).default('PRESERVE'),
    SecurityDescriptorCopyFlags: z.enum(SECURITY_DESCRIPTOR_FLAGS).default('NONE'),
    ObjectTags: z.enum(OBJECT_TAG_MODES).default('PRESERVE'),
    /** -1 is unlimited; otherwise bytes per second across all transfers of the execution. */
    BytesPerSecond: z
      .number()
      .int()
      .refine((n) => n === -1 || n >= 1024, 'BytesPerSecond is -1 (unlimited) or at least 1024')
      .default(-1),
    TaskQueueing: z.enum(TASK_QUEUEING).default('ENABLED'),
    LogLevel: z.enum(LOG_LEVELS).default('BASIC'),
    /** How many files move at once. */
    Parallelism: z.number().int().min(1).max(MAX_PARALLELISM).default(DEFAULT_PARALLELISM),
  })
  .strict();

/** The option combinations DataSync refuses, each with the reason in words. */
export function optionConflicts(
  o: z.output<typeof optionsShape>,
): { path: string; message: string }[] {
  const conflicts: { path: string; message: string }[] = [];
  if (o.PreserveDeletedFiles === 'REMOVE' && o.TransferMode === 'ALL') {
    conflicts.push({
      path: 'PreserveDeletedFiles',
      message:
        'PreserveDeletedFiles=REMOVE needs TransferMode=CHANGED: with ALL the destination is not ' +
        'compared with the source, so there is no safe way to know which files were deleted',
    });
  }
  if (o.Atime === 'BEST_EFFORT' && o.Mtime === 'NONE') {
    conflicts.push({
      path: 'Atime',
      message: 'Atime=BEST_EFFORT needs Mtime=PRESERVE (DataSync keeps both times or neither)',
    });
  }
  return conflicts;
}

export const taskOptionsSchema = optionsShape.superRefine((options, ctx) => {
  for (const conflict of optionConflicts(options)) {
    ctx.addIssue({ code: 'custom', path: [conflict.path], message: conflict.message });
  }
});

export type TaskOptions = z.output<typeof taskOptionsSchema>;
export type TaskOptionsInput = z.input<typeof taskOptionsSchema>;

/** DataSync's defaults, for a new task and for "reset to default". */
export function defaultTaskOptions(): TaskOptions {
  return taskOptionsSchema.parse({});
}

/** DataSync SIMPLE_PATTERN filters: patterns joined with `|`, relative to the location root. */
export const filterPatternSchema = z
  .string()
  .max(102_400)
  .refine((s) => !s.includes('\0'), 'a filter cannot contain a NUL character')
  .default('');

export const scheduleSchema = z
  .object({
    /** A cron expression (5 or 6 fields). Intervals below one hour are allowed, unlike DataSync. */
    cron: z.string().min(1).max(200),
    enabled: z.boolean().default(true),
  })
  .strict();
export type Schedule = z.output<typeof scheduleSchema>;

export const taskInputSchema = z
  .object({
    name: z.string().trim().min(1, 'a task needs a name').max(200),
    sourceLocationId: z.string().min(1).max(100),
    destinationLocationId: z.string().min(1).max(100),
    options: taskOptionsSchema.default(() => defaultTaskOptions()),
    includes: filterPatternSchema,
    excludes: filterPatternSchema,
    schedule: scheduleSchema.nullable().default(null),
  })
  .strict();
export type TaskInput = z.input<typeof taskInputSchema>;

export interface Task {
  id: string;
  name: string;
  sourceLocationId: string;
  destinationLocationId: string;
  options: TaskOptions;
  includes: string;
  excludes: string;
  schedule: Schedule | null;
  createdAt: number;
  updatedAt: number;
}
