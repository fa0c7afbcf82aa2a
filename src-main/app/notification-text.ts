import { isFinalStatus, type ExecutionRecord } from '../../src-shared/model/execution';

/*
 * When an ended execution deserves a desktop notification, and its words. Pure: no electron, so
 * it is tested on its own; notifications.ts shows it.
 */

/** Runs shorter than this end while the user is still looking, unless the window is elsewhere. */
export const NOTIFY_AFTER_MS = 10_000;
const MAX_BODY = 240;
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * Whether an ended execution is worth a notification: it ran more than NOTIFY_AFTER_MS, or the
 * window does not have the focus. A cancel before it launched is the user's own doing: never.
 */
export function shouldNotify(record: ExecutionRecord, windowFocused: boolean): boolean {
  if (!isFinalStatus(record.status)) return false;
  if (record.status === 'CANCELLED' && record.launchTime === null) return false;
  const began = record.launchTime ?? record.startTime;
  const ran = (record.endTime ?? began) - began;
  return ran > NOTIFY_AFTER_MS || !windowFocused;
}

/** 5_600_000_000 -> "5.2 GiB"; the units the rest of the app shows. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string): string =>
  `${count(n)} ${n === 1 ? one : many}`;

/**
 * The title and body of the notification for an ended execution: "Task Nightly finished" /
 * "1,234 files, 5.6 GiB", "Task Nightly failed" / the error's message, "Task Nightly cancelled".
 */
export function finishedNotice(record: ExecutionRecord): { title: string; body: string } {
  const c = record.counters;
  const moved = `${plural(c.FilesTransferred, 'file', 'files')}, ${formatBytes(c.BytesTransferred)}`;
  const failed = c.FilesFailed > 0 ? `, ${plural(c.FilesFailed, 'file', 'files')} failed` : '';
  switch (record.status) {
    case 'ERROR':
      return {
        title: `Task ${record.taskName} failed`,
        body: shorten(record.error?.message ?? `${moved}${failed}`),
      };
    case 'CANCELLED':
      return {
        title: `Task ${record.taskName} cancelled`,
        body: `${moved} transferred before it stopped`,
      };
    default:
      return {
        title: `Task ${record.taskName} finished`,
        body:
          c.FilesTransferred === 0 && c.FilesDeleted === 0 && c.FilesFailed === 0
            ? 'Everything was already up to date'
            : `${moved}${failed}`,
      };
  }
}

function shorten(text: string): string {
  return text.length <= MAX_BODY ? text : `${text.slice(0, MAX_BODY - 1)}…`;
}
