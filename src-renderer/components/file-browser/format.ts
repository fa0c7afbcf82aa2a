import type { Entry } from '../../../src-shared/model/entry';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> "1.5 KiB"; bytes below 1 KiB are shown exactly. */
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

const integer = new Intl.NumberFormat(undefined);
export function formatCount(n: number): string {
  return integer.format(n);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function formatDate(ms: number): string {
  return dateTime.format(new Date(ms));
}

/** What the Kind column says: "Folder", "PDF file", "Link to folder"... */
export function describeKind(entry: Entry): string {
  switch (entry.kind) {
    case 'dir':
      return 'Folder';
    case 'symlink':
      return entry.targetIsDir ? 'Link to folder' : 'Link';
    case 'other':
      return 'Special file';
    case 'file': {
      const dot = entry.name.lastIndexOf('.');
      return dot > 0 && dot < entry.name.length - 1
        ? `${entry.name.slice(dot + 1).toUpperCase()} file`
        : 'File';
    }
  }
}
