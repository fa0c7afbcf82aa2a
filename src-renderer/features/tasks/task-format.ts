import type { ExecutionStatus } from '../../../src-shared/model/execution';

/* Words for times, schedules and statuses as the task screens show them. Pure. */

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "3 minutes ago", "in 2 hours", "yesterday": coarse, for lists. */
export function relativeTime(at: number, now: number = Date.now()): string {
  let value = (at - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'year');
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "Tue, 14 Jan 2025, 02:00": a run time, precise enough to plan around. */
export function formatRunTime(at: number): string {
  return dateTime.format(new Date(at));
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * A cron expression in words when it is one of the common shapes ("Every day at 02:00"),
 * else the expression itself ("cron 0 2 * * 1-5").
 */
export function describeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return `cron ${cron.trim()}`;
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
  const isNumber = (s: string): boolean => /^\d{1,2}$/.test(s);
  const hhmm = (): string => `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;
  if (day === '*' && month === '*' && weekday === '*') {
    if (isNumber(minute) && hour === '*') return `Every hour at :${minute.padStart(2, '0')}`;
    if (isNumber(minute) && isNumber(hour)) return `Every day at ${hhmm()}`;
  }
  if (day === '*' && month === '*' && /^[0-7]$/.test(weekday) && isNumber(minute)) {
    if (isNumber(hour)) return `Every ${DAYS[Number(weekday) % 7]} at ${hhmm()}`;
  }
  return `cron ${cron.trim()}`;
}

/** The badge class and words of an execution status. */
export function statusBadge(status: ExecutionStatus): { className: string; label: string } {
  switch (status) {
    case 'SUCCESS':
      return { className: 'badge badge-success', label: 'Succeeded' };
    case 'ERROR':
      return { className: 'badge badge-error', label: 'Failed' };
    case 'CANCELLED':
      return { className: 'badge badge-warn', label: 'Cancelled' };
    case 'CANCELLING':
      return { className: 'badge badge-warn', label: 'Cancelling' };
    case 'QUEUED':
      return { className: 'badge badge-running', label: 'Queued' };
    case 'LAUNCHING':
    case 'PREPARING':
    case 'TRANSFERRING':
    case 'VERIFYING':
      return {
        className: 'badge badge-running',
        label: status.charAt(0) + status.slice(1).toLowerCase(),
      };
  }
}

/** Patterns one per line (what the user edits) -> DataSync's `a|b` (blank lines dropped). */
export function joinPatterns(lines: string): string {
  return lines
    .split(/\r?\n/)
    .flatMap((line) => line.split('|'))
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .join('|');
}

/** DataSync's `a|b` -> one pattern per line. */
export function splitPatterns(joined: string): string {
  return joined
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .join('\n');
}
