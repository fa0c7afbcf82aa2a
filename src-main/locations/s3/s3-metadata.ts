import type { EntryType, MetadataUpdate } from '../location';

/*
 * File metadata kept as S3 user metadata (x-amz-meta-*), in the names and formats rclone uses,
 * so objects written by either tool read back right in the other (docs/s3-metadata.md):
 *   mtime, atime  seconds since the epoch, with a fraction ("1600000000.123456")
 *   mode          octal, with the file type bits ("100644" for a file, "40755" for a folder)
 *   uid, gid      decimal
 * Times written by other tools as RFC 3339 are read too.
 */

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export interface StoredMetadata {
  mtimeMs?: number;
  atimeMs?: number;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** The user metadata that records `metadata` for an entry of this type. Never throws. */
export function toUserMetadata(metadata: MetadataUpdate, type: EntryType): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata.mtimeMs !== undefined) out.mtime = formatSeconds(metadata.mtimeMs);
  if (metadata.atimeMs !== undefined) out.atime = formatSeconds(metadata.atimeMs);
  if (metadata.mode !== undefined) {
    const typeBits = type === 'dir' ? S_IFDIR : S_IFREG;
    out.mode = (typeBits | (metadata.mode & 0o7777)).toString(8);
  }
  if (metadata.uid !== undefined) out.uid = String(metadata.uid);
  if (metadata.gid !== undefined) out.gid = String(metadata.gid);
  return out;
}

/**
 * What user metadata says about a file; fields that are absent or malformed are left out (an
 * object written by another tool simply has none). The SDK gives metadata names in lower case.
 * Never throws.
 */
export function fromUserMetadata(meta: Record<string, string> | undefined): StoredMetadata {
  if (!meta) return {};
  const out: StoredMetadata = {};
  const mtimeMs = parseTime(meta.mtime);
  if (mtimeMs !== undefined) out.mtimeMs = mtimeMs;
  const atimeMs = parseTime(meta.atime);
  if (atimeMs !== undefined) out.atimeMs = atimeMs;
  if (meta.mode !== undefined && /^[0-7]{1,7}$/.test(meta.mode)) {
    out.mode = parseInt(meta.mode, 8) & 0o7777;
  }
  const uid = parseId(meta.uid);
  if (uid !== undefined) out.uid = uid;
  const gid = parseId(meta.gid);
  if (gid !== undefined) out.gid = gid;
  return out;
}

/** Merges an update into existing user metadata (for setMetadata, which rewrites all of it). */
export function mergeUserMetadata(
  existing: Record<string, string> | undefined,
  update: MetadataUpdate,
  type: EntryType,
): Record<string, string> {
  return { ...existing, ...toUserMetadata(update, type) };
}

/** Microseconds are kept: a local file's time survives the round trip to within 1 µs. */
function formatSeconds(ms: number): string {
  const micros = Math.round(ms * 1000);
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const seconds = Math.floor(abs / 1_000_000);
  const fraction = String(abs % 1_000_000).padStart(6, '0');
  return `${sign}${seconds}.${fraction}`;
}

function parseTime(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) {
    const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
    const ms = Number(whole) * 1000 + Number(`0.${fraction || '0'}`) * 1000;
    return value.startsWith('-') ? -ms : ms;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) return undefined;
  // Date.parse keeps milliseconds; RFC 3339 may carry microseconds and nanoseconds.
  const sub = /\.\d{3}(\d{1,6})/.exec(value);
  return sub ? parsed + Number(`0.${sub[1]}`) : parsed;
}

function parseId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 0xffffffff ? n : undefined;
}
