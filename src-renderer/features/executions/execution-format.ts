import type {
  ExecutionRecord,
  ExecutionStatus,
  FileAction,
  FileProgress,
  PhaseStatus,
} from '../../../src-shared/model/execution';
import { isFinalStatus } from '../../../src-shared/model/execution';

/*
 * Words and badge colours for execution states, and the units of rates and durations. Rates use
 * decimal units (1 MB/s = 1,000,000 bytes per second), as bandwidth limits are written everywhere
 * (DataSync's console, network gear); sizes of files keep the binary units of the file browser.
 */

/** Bytes per second in one decimal megabyte per second. */
export const MB = 1_000_000;

const STATUS_LABELS: Record<ExecutionStatus, string> = {
  QUEUED: 'Queued',
  LAUNCHING: 'Launching',
  PREPARING: 'Preparing',
  TRANSFERRING: 'Transferring',
  VERIFYING: 'Verifying',
  SUCCESS: 'Success',
  ERROR: 'Error',
  CANCELLING: 'Cancelling…',
  CANCELLED: 'Cancelled',
};

/** "Transferring", "Success"... */
export function statusLabel(status: ExecutionStatus): string {
  return STATUS_LABELS[status];
}

/** The shared badge class for a status: green success, red error, amber cancel, blue running. */
export function statusBadgeClass(status: ExecutionStatus): string {
  switch (status) {
    case 'SUCCESS':
      return 'badge badge-success';
    case 'ERROR':
      return 'badge badge-error';
    case 'CANCELLING':
    case 'CANCELLED':
      return 'badge badge-warn';
    case 'QUEUED':
      return 'badge';
    default:
      return 'badge badge-running';
  }
}

/** Running in the broad sense: not ended yet (queued and cancelling included). */
export function isActive(record: Pick<ExecutionRecord, 'status'>): boolean {
  return !isFinalStatus(record.status);
}

export const PHASE_STATUS_LABELS: Record<PhaseStatus, string> = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  SUCCESS: 'Done',
  ERROR: 'Failed',
  CANCELLED: 'Cancelled',
  SKIPPED: 'Skipped',
};

const FILE_STATE_LABELS: Record<FileProgress['state'], string> = {
  queued: 'Queued',
  transferring: 'Transferring',
  verifying: 'Verifying',
  done: 'Done',
  skipped: 'Skipped',
  failed: 'Failed',
};

/** Label and badge class of a live file state. */
export function fileStateBadge(state: FileProgress['state']): { label: string; className: string } {
  const tone =
    state === 'done'
      ? ' badge-success'
      : state === 'failed'
        ? ' badge-error'
        : state === 'transferring' || state === 'verifying'
          ? ' badge-running'
          : '';
  return { label: FILE_STATE_LABELS[state], className: `badge${tone}` };
}

const ACTION_LABELS: Record<FileAction, string> = {
  transferred: 'Transferred',
  skipped: 'Skipped',
  deleted: 'Deleted',
  verified: 'Verified',
  failed: 'Failed',
  'not-copied': 'Not copied',
  'metadata-updated': 'Metadata updated',
  'not-deleted': 'Not deleted',
  'folder-created': 'Folder created',
  'folder-updated': 'Folder updated',
  'folder-failed': 'Folder failed',
};

const ACTION_TONES: Record<FileAction, '' | ' badge-success' | ' badge-error' | ' badge-warn'> = {
  transferred: ' badge-success',
  verified: ' badge-success',
  'metadata-updated': ' badge-success',
  'folder-created': ' badge-success',
  'folder-updated': ' badge-success',
  failed: ' badge-error',
  'folder-failed': ' badge-error',
  'not-copied': ' badge-error',
  deleted: ' badge-warn',
  'not-deleted': ' badge-warn',
  skipped: '',
};

/** Label and badge class of a task report action. */
export function actionBadge(action: FileAction): { label: string; className: string } {
  const tone = ACTION_TONES[action];
  return { label: ACTION_LABELS[action], className: `badge${tone}` };
}

/** 2_500_000 -> "2.5 MB/s"; decimal units, like the bandwidth limit. */
export function formatRate(bytesPerSecond: number): string {
  const units = ['B/s', 'KB/s', 'MB/s', 'GB/s', 'TB/s'];
  let value = Math.max(0, bytesPerSecond);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** A bandwidth limit in words: "Unlimited" or "5 MB/s". */
export function formatLimit(bytesPerSecond: number): string {
  return bytesPerSecond < 0 ? 'Unlimited' : formatRate(bytesPerSecond).replace(/\.0+ /, ' ');
}

/** 754_000 -> "12 min 34 s"; under a second "0.4 s" ("< 0.1 s"); hours as "2 h 05 min". */
export function formatDuration(ms: number): string {
  if (ms < 100) return '< 0.1 s';
  if (ms < 1000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** The ETA of a run: "about 3 min 10 s left", or null when unknown. */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  return `${formatDuration(seconds * 1000)} left`;
}

/** How long the execution ran (or has run so far, against `now`). */
export function elapsedMs(record: ExecutionRecord, now: number): number {
  const end = record.endTime ?? (isFinalStatus(record.status) ? record.startTime : now);
  return Math.max(0, end - record.startTime);
}

const shortDate = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const shortDateWithYear = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});

/** A start time for lists: "Nov 25, 12:44 AM", with the year only when it is not this one. */
export function formatShortDate(ms: number, now = Date.now()): string {
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return (sameYear ? shortDate : shortDateWithYear).format(new Date(ms));
}
