import type { ExecutionProgress } from '../../src-shared/model/execution';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s).padStart(2, '0')}s`
      : `${s}s`;
}

/** One status line for a terminal, rewritten in place: phase, bar, files, bytes, speed, ETA. */
export function progressLine(p: ExecutionProgress, width: number): string {
  const c = p.counters;
  const total = Math.max(c.EstimatedBytesToTransfer, 1);
  // Bytes read so far, including files still in flight (BytesWritten counts finished files).
  const moving = Math.min(c.BytesTransferred, c.EstimatedBytesToTransfer);
  const fraction =
    p.status === 'TRANSFERRING'
      ? moving / total
      : p.status === 'PREPARING' || p.status === 'LAUNCHING'
        ? 0
        : 1;
  const barWidth = Math.max(10, Math.min(30, width - 90));
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const files = `${c.FilesTransferred}/${c.EstimatedFilesToTransfer} files`;
  const moved = `${bytes(p.status === 'TRANSFERRING' ? moving : c.BytesWritten)}/${bytes(c.EstimatedBytesToTransfer)}`;
  const speed = p.throughput > 0 ? `${bytes(p.throughput)}/s` : '';
  const eta = p.etaSeconds !== null ? `ETA ${duration(p.etaSeconds)}` : '';
  const failed = c.FilesFailed > 0 ? `${c.FilesFailed} failed` : '';
  const line = [
    p.status.padEnd(12),
    bar,
    `${Math.floor(fraction * 100)}%`.padStart(4),
    files,
    moved,
    speed,
    eta,
    failed,
  ]
    .filter(Boolean)
    .join('  ');
  return line.length > width - 1 ? line.slice(0, width - 1) : line;
}
