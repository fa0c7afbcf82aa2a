import type { EntryType, MetadataUpdate } from '../location';
import { millisecondsOf, nanosecondsOf } from '../nanoseconds';

/*
 * File metadata kept as S3 user metadata (x-amz-meta-*), in the two conventions other tools
 * read, so objects written by any of them read back right in the others (docs/s3.md):
 *
 *   rclone         mtime, atime  seconds since the epoch, nanoseconds as a 9-digit fraction
 *                                 ("1600000000.123456789"; rclone's own reader takes any
 *                                 number of digits; RFC 3339 is read too)
 *                  mode          octal with the file type bits ("100644", "40755")
 *                  uid, gid      decimal
 *   DataSync, S3 File Gateway, FSx for Lustre
 *                  file-mtime, file-atime   nanoseconds with the suffix "ns"
 *                                           ("1600000000123456789ns"); without it, milliseconds
 *                  file-permissions         octal file type and permissions ("0100644")
 *                  file-owner, file-group   decimal
 *
 * Reading takes rclone's key where both are present: `rclone touch` and rclone's re-stamping
 * rewrite `mtime` only and keep the other keys, so a `file-mtime` beside it may be stale, while
 * DataSync and FSx write whole new objects.
 */

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** Which conventions a location writes (S3 location option `metadataKeys`). */
export type MetadataKeys = 'both' | 'rclone' | 'datasync';

export interface StoredMetadata {
  mtimeMs?: number;
  mtimeNs?: string;
  atimeMs?: number;
  atimeNs?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Every key either convention uses for each field: an update replaces all of them. */
const KEYS_OF = {
  mtime: ['mtime', 'file-mtime'],
  atime: ['atime', 'file-atime'],
  mode: ['mode', 'file-permissions'],
  uid: ['uid', 'file-owner'],
  gid: ['gid', 'file-group'],
} as const;

/**
 * The user metadata that records `metadata` for an entry of this type, in the conventions
 * `keys` names (default both). Nanoseconds are kept where the update carries them. Never throws.
 */
export function toUserMetadata(
  metadata: MetadataUpdate,
  type: EntryType,
  keys: MetadataKeys = 'both',
): Record<string, string> {
  const rclone = keys !== 'datasync';
  const datasync = keys !== 'rclone';
  const out: Record<string, string> = {};
  const time = (ms: number | undefined, ns: string | undefined, field: 'mtime' | 'atime'): void => {
    if (ms === undefined) return;
    const exact = nanosecondsOf(ms, ns);
    if (rclone) out[field] = formatSeconds(exact);
    if (datasync) out[`file-${field}`] = `${exact}ns`;
  };
  time(metadata.mtimeMs, metadata.mtimeNs, 'mtime');
  time(metadata.atimeMs, metadata.atimeNs, 'atime');
  if (metadata.mode !== undefined) {
    const typeBits = type === 'dir' ? S_IFDIR : S_IFREG;
    const octal = (typeBits | (metadata.mode & 0o7777)).toString(8);
    if (rclone) out.mode = octal;
    if (datasync) out['file-permissions'] = `0${octal}`;
  }
  const id = (value: number | undefined, rcloneKey: string, datasyncKey: string): void => {
    if (value === undefined) return;
    if (rclone) out[rcloneKey] = String(value);
    if (datasync) out[datasyncKey] = String(value);
  };
  id(metadata.uid, 'uid', 'file-owner');
  id(metadata.gid, 'gid', 'file-group');
  return out;
}

/**
 * What user metadata says about a file, from either convention (rclone's first); fields that are
 * absent or malformed are left out (an object written by the aws CLI simply has none). The SDK
 * gives metadata names in lower case. Never throws.
 */
export function fromUserMetadata(meta: Record<string, string> | undefined): StoredMetadata {
  if (!meta) return {};
  const out: StoredMetadata = {};
  const mtime = parseRcloneTime(meta.mtime) ?? parseDataSyncTime(meta['file-mtime']);
  if (mtime) {
    out.mtimeMs = mtime.ms;
    if (mtime.ns !== undefined) out.mtimeNs = mtime.ns;
  }
  const atime = parseRcloneTime(meta.atime) ?? parseDataSyncTime(meta['file-atime']);
  if (atime) {
    out.atimeMs = atime.ms;
    if (atime.ns !== undefined) out.atimeNs = atime.ns;
  }
  const mode = parseMode(meta.mode) ?? parseMode(meta['file-permissions']);
  if (mode !== undefined) out.mode = mode;
  const uid = parseId(meta.uid) ?? parseId(meta['file-owner']);
  if (uid !== undefined) out.uid = uid;
  const gid = parseId(meta.gid) ?? parseId(meta['file-group']);
  if (gid !== undefined) out.gid = gid;
  return out;
}

/**
 * Merges an update into existing user metadata (for setMetadata, which rewrites all of it): the
 * fields updated lose every key of both conventions first, so no stale key of the convention
 * not written stays behind to be read instead. Never throws.
 */
export function mergeUserMetadata(
  existing: Record<string, string> | undefined,
  update: MetadataUpdate,
  type: EntryType,
  keys: MetadataKeys = 'both',
): Record<string, string> {
  const merged = { ...existing };
  const drop = (field: keyof typeof KEYS_OF): void => {
    for (const key of KEYS_OF[field]) delete merged[key];
  };
  if (update.mtimeMs !== undefined) drop('mtime');
  if (update.atimeMs !== undefined) drop('atime');
  if (update.mode !== undefined) drop('mode');
  if (update.uid !== undefined) drop('uid');
  if (update.gid !== undefined) drop('gid');
  return { ...merged, ...toUserMetadata(update, type, keys) };
}

/** True when two sets of user metadata hold the same keys and values. Never throws. */
export function sameUserMetadata(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const left = Object.entries(a ?? {});
  const right = b ?? {};
  return left.length === Object.keys(right).length && left.every(([k, v]) => right[k] === v);
}

/**
 * rclone's format: whole seconds and a 9-digit fraction of nanoseconds. Before 1970 the seconds
 * are floored and the fraction stays positive, as rclone (Go's Time.Unix) writes and reads them.
 */
function formatSeconds(ns: bigint): string {
  let seconds = ns / 1_000_000_000n;
  let fraction = ns % 1_000_000_000n;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += 1_000_000_000n;
  }
  return `${seconds}.${String(fraction).padStart(9, '0')}`;
}

interface ParsedTime {
  ms: number;
  /** Present where the value had more than millisecond precision, or was given in ns. */
  ns?: string;
}

/** "1600000000", "1600000000.123456789" (digits past 9 dropped, as rclone does), or RFC 3339. */
function parseRcloneTime(value: string | undefined): ParsedTime | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^(-?\d{1,15})(?:\.(\d+))?$/.exec(value);
  if (match) {
    const fraction = BigInt(((match[2] ?? '') + '000000000').slice(0, 9));
    return fromNs(BigInt(match[1] as string) * 1_000_000_000n + fraction);
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) return undefined;
  // Date.parse keeps milliseconds; RFC 3339 may carry microseconds and nanoseconds.
  const sub = /\.\d{3}(\d{1,6})/.exec(value);
  if (!sub) return { ms: parsed };
  return fromNs(BigInt(parsed) * 1_000_000n + BigInt(((sub[1] as string) + '000000').slice(0, 6)));
}

/** "1600000000123456789ns", or a count of milliseconds without the suffix (FSx's reading). */
function parseDataSyncTime(value: string | undefined): ParsedTime | undefined {
  if (value === undefined) return undefined;
  const ns = /^(-?\d{1,24})ns$/.exec(value);
  if (ns) return fromNs(BigInt(ns[1] as string));
  if (/^-?\d{1,16}(\.\d+)?$/.test(value)) {
    const ms = Number(value);
    return Number.isFinite(ms) ? { ms } : undefined;
  }
  return undefined;
}

function fromNs(ns: bigint): ParsedTime {
  return { ms: millisecondsOf(ns), ns: String(ns) };
}

/** Octal with the file type bits, rclone's "100644" or DataSync's "0100644": the permissions. */
function parseMode(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-7]{1,8}$/.test(value)) return undefined;
  return parseInt(value, 8) & 0o7777;
}

function parseId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 0xffffffff ? n : undefined;
}
