import type { ErrorInfo } from '../../src-shared/errors';
import type { EntryType } from '../locations/location';
import type { WalkedEntry } from './tree-walk';

/*
 * What a walk in a thread of its own (walk-thread.ts, walk-worker.ts) sends back: the entries in
 * batches, in walk order, with the folders it could not list and the temporaries it saw between
 * them, in the order the walk met them. A local disk's usual entry (a file or folder with times
 * to the nanosecond, mode and owner, nothing else) travels as numbers and strings in arrays:
 * cloning one object per entry across threads cost more than the listing saved. Any other entry
 * (a link, a hard link, a sparse file, a refused name) travels whole.
 */

/** What the walk in the thread walks, and how (tree-walk.ts's WalkOptions, as data). */
export interface WalkSpec {
  /** The local folder (absolute), listed with blocking I/O. */
  root: string;
  /** The filter's patterns, as compileFilter takes them. */
  includes: string;
  excludes: string;
  caseInsensitive: boolean;
  /** Whether to report the temporaries the listings saw (WalkOptions.onTemporaries). */
  temporaries: boolean;
  /** Whether a folder that cannot be listed is reported (and skipped) rather than fatal. */
  reportsUnreadable: boolean;
}

export interface EntryBatch {
  paths: string[];
  /** Per entry NUMBERS_PER_ENTRY numbers: type, size, mtimeMs, atimeMs, mode, uid, gid. */
  numbers: Float64Array;
  /** Per entry mtimeNs then atimeNs ('' for entries sent whole). */
  times: string[];
  /** Entries sent whole, and where they go in the batch. */
  whole: WalkedEntry[];
  wholeAt: number[];
}

export type ToWalkWorker = {
  type: 'start';
  spec: WalkSpec;
  /** Int32Array over a SharedArrayBuffer: [0] counts the batches the walk's consumer took. */
  credits: SharedArrayBuffer;
};

export type FromWalkWorker =
  | { type: 'batch'; batch: EntryBatch }
  | { type: 'unreadable'; path: string; error: ErrorInfo }
  | { type: 'temporaries'; folder: string; names: string[] }
  | { type: 'end' }
  | { type: 'failed'; error: ErrorInfo };

/** Entries per batch. */
export const BATCH_ENTRIES = 512;
/** Batches sent and not yet taken at most: bounds the memory a walk ahead holds. */
export const BATCHES_AHEAD = 16;

const NUMBERS_PER_ENTRY = 7;
const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'other'];
/** The keys of a plain entry (LocalLocation's toEntry with POSIX metadata), in its order. */
const PLAIN_KEYS = 10;

/** Collects entries into batches. */
export class BatchEncoder {
  private paths: string[] = [];
  private numbers = new Float64Array(BATCH_ENTRIES * NUMBERS_PER_ENTRY);
  private times: string[] = [];
  private whole: WalkedEntry[] = [];
  private wholeAt: number[] = [];

  get size(): number {
    return this.paths.length;
  }

  /** Adds an entry; true when the batch is full. */
  add(entry: WalkedEntry): boolean {
    const i = this.paths.length;
    this.paths.push(entry.path);
    if (isPlain(entry)) {
      const n = this.numbers;
      const at = i * NUMBERS_PER_ENTRY;
      n[at] = TYPES.indexOf(entry.type);
      n[at + 1] = entry.size;
      n[at + 2] = entry.mtimeMs;
      n[at + 3] = entry.atimeMs as number;
      n[at + 4] = entry.mode as number;
      n[at + 5] = entry.uid as number;
      n[at + 6] = entry.gid as number;
      this.times.push(entry.mtimeNs as string, entry.atimeNs as string);
    } else {
      this.whole.push(entry);
      this.wholeAt.push(i);
      this.times.push('', '');
    }
    return this.paths.length >= BATCH_ENTRIES;
  }

  /** The batch so far (its numbers' buffer may be transferred); the encoder starts a new one. */
  take(): EntryBatch {
    const batch: EntryBatch = {
      paths: this.paths,
      numbers: this.numbers.subarray(0, this.paths.length * NUMBERS_PER_ENTRY),
      times: this.times,
      whole: this.whole,
      wholeAt: this.wholeAt,
    };
    this.paths = [];
    this.numbers = new Float64Array(BATCH_ENTRIES * NUMBERS_PER_ENTRY);
    this.times = [];
    this.whole = [];
    this.wholeAt = [];
    return batch;
  }
}

/** The entries of a batch, as they were added. */
export function decodeBatch(batch: EntryBatch): WalkedEntry[] {
  const { paths, numbers: n, times } = batch;
  const out = new Array<WalkedEntry>(paths.length);
  let next = 0;
  for (let i = 0; i < paths.length; i++) {
    if (batch.wholeAt[next] === i) {
      out[i] = batch.whole[next++] as WalkedEntry;
      continue;
    }
    const at = i * NUMBERS_PER_ENTRY;
    // The key order of LocalLocation's toEntry.
    out[i] = {
      path: paths[i] as string,
      type: TYPES[n[at] as number] as EntryType,
      size: n[at + 1] as number,
      mtimeMs: n[at + 2] as number,
      mtimeNs: times[2 * i] as string,
      atimeMs: n[at + 3] as number,
      atimeNs: times[2 * i + 1] as string,
      mode: n[at + 4] as number,
      uid: n[at + 5] as number,
      gid: n[at + 6] as number,
    };
  }
  return out;
}

/**
 * An entry with exactly the keys of a plain one, all set: path, type, size, mtimeMs, mtimeNs,
 * atimeMs, atimeNs, mode, uid, gid (counted, so that no other key is ever lost on the way).
 */
function isPlain(e: WalkedEntry): boolean {
  if (
    e.mtimeNs === undefined ||
    e.atimeNs === undefined ||
    e.atimeMs === undefined ||
    e.mode === undefined ||
    e.uid === undefined ||
    e.gid === undefined
  ) {
    return false;
  }
  let keys = 0;
  for (const key in e) if (Object.hasOwn(e, key)) keys++;
  return keys === PLAIN_KEYS;
}
