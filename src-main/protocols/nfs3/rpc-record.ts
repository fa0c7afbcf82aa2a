import type { ReplyBufferPool } from './reply-buffers';
import { XdrError } from './xdr';

/*
 * ONC RPC record marking over TCP (RFC 5531, section 11): each record is sent as fragments, each
 * preceded by a 4-byte header whose top bit marks the last fragment and whose low 31 bits give
 * its length. A reply may arrive split across TCP reads, or several in one read.
 */

const LAST_FRAGMENT = 0x80000000;
const MAX_FRAGMENT = 0x7fffffff;
/**
 * Fragments one record may have. Servers send a reply as one fragment (or a few); each kept
 * fragment costs a Buffer, so a stream of empty or 1-byte fragments would otherwise cost far
 * more memory than the bytes it carries.
 */
const MAX_FRAGMENTS = 1024;

/**
 * The record-marking header for a record of `length` bytes sent as one last fragment (the
 * record's parts follow it on the wire as they are: nothing is copied). Throws RangeError past
 * 2 GiB.
 */
export function recordMark(length: number): Buffer {
  if (length > MAX_FRAGMENT) throw new RangeError('RPC record too large for one fragment');
  const header = Buffer.alloc(4);
  header.writeUInt32BE((LAST_FRAGMENT | length) >>> 0);
  return header;
}

/** One record as a single last fragment, in one buffer. Throws RangeError past 2 GiB. */
export function frameRecord(record: Uint8Array): Buffer {
  return Buffer.concat([recordMark(record.length), record]);
}

/**
 * A fragment with at least this much still to come is read into directly (readTarget): below
 * it, the socket's own buffer, which also takes the next replies in the same read.
 */
const DIRECT_READ_MIN = 16 * 1024;
/** The first read of a record expected to be large: its headers and the start of its data. */
const HEADER_READ_BYTES = 4 * 1024;

/**
 * Reassembles records from TCP data. `push` takes whatever a read returned and hands back the
 * records it completed. It copies what it keeps, straight into a buffer of the fragment's size
 * once its header is read, so the caller may reuse the buffer it passed (the socket reads into
 * one buffer). Better still, while a large fragment is being filled `readTarget` names the rest
 * of it, so that the socket reads the bytes of a READ reply straight into the record's own buffer
 * and `push` has nothing to copy: a 1 MiB READ reply costs one allocation and the kernel's copy
 * only. A record larger than
 * `maxRecord` (the largest reply we accept: a READ of rtmax bytes and its header), or of more
 * than 1024 fragments, throws XdrError instead of buffering without end. A fragment's buffer
 * is sized by its header, so a claim costs at most `maxRecord` until the record completes.
 * With a `pool`, fragments of the sizes it serves (READ replies) are read into its buffers,
 * which the record's reader gives back once done with them (ReplyBufferPool.release).
 */
export class RecordReader {
  private readonly header = Buffer.alloc(4);
  private headerBytes = 0;
  /** The fragment being filled, once its header is known. */
  private fragment: Buffer | null = null;
  private fragmentBytes = 0;
  private lastFragment = false;
  private fragments: Buffer[] = [];
  private recordBytes = 0;
  /** The last record completed was large (a READ reply): the next one probably is too. */
  private lastRecordLarge = false;

  constructor(
    private readonly maxRecord: number,
    private readonly pool?: ReplyBufferPool,
  ) {}

  push(data: Uint8Array): Buffer[] {
    const records: Buffer[] = [];
    let at = 0;
    while (at < data.length || (this.fragment && this.fragmentBytes === this.fragment.length)) {
      if (!this.fragment) {
        const n = Math.min(4 - this.headerBytes, data.length - at);
        this.header.set(data.subarray(at, at + n), this.headerBytes);
        this.headerBytes += n;
        at += n;
        if (this.headerBytes < 4) break;
        this.headerBytes = 0;
        const word = this.header.readUInt32BE(0);
        const length = word & MAX_FRAGMENT;
        if (this.recordBytes + length > this.maxRecord) {
          throw new XdrError(
            `RPC record of more than ${this.maxRecord} bytes (fragment of ${length}): refused`,
          );
        }
        if (this.fragments.length >= MAX_FRAGMENTS) {
          throw new XdrError(`RPC record of more than ${MAX_FRAGMENTS} fragments: refused`);
        }
        this.fragment = this.pool?.serves(length)
          ? this.pool.take(length)
          : Buffer.allocUnsafe(length);
        this.fragmentBytes = 0;
        this.lastFragment = (word & LAST_FRAGMENT) !== 0;
      }
      const n = Math.min(this.fragment.length - this.fragmentBytes, data.length - at);
      const part = data.subarray(at, at + n);
      // Read straight into the fragment (readTarget): already in place.
      const inPlace =
        part.buffer === this.fragment.buffer &&
        part.byteOffset === this.fragment.byteOffset + this.fragmentBytes;
      if (n > 0 && !inPlace) this.fragment.set(part, this.fragmentBytes);
      this.fragmentBytes += n;
      at += n;
      if (this.fragmentBytes < this.fragment.length) break;
      this.fragments.push(this.fragment);
      this.recordBytes += this.fragment.length;
      this.fragment = null;
      this.fragmentBytes = 0;
      if (this.lastFragment) {
        this.lastRecordLarge = this.recordBytes >= DIRECT_READ_MIN;
        if (this.fragments.length === 1) records.push(this.fragments[0] as Buffer);
        else {
          records.push(Buffer.concat(this.fragments, this.recordBytes));
          // Copied: nothing else holds the fragments.
          for (const fragment of this.fragments) this.pool?.release(fragment);
        }
        this.fragments = [];
        this.recordBytes = 0;
      }
    }
    return records;
  }

  /**
   * Where the next socket read should land: the unfilled rest of the fragment being received,
   * when that is large (pass what was read to `push` as a view of it: nothing is copied), or
   * null for the caller's own buffer. Reading into the rest of a fragment, never past it, keeps
   * the next record's bytes out of it.
   */
  readTarget(): Uint8Array | null {
    const fragment = this.fragment;
    if (!fragment || fragment.length - this.fragmentBytes < DIRECT_READ_MIN) return null;
    return fragment.subarray(this.fragmentBytes);
  }

  /**
   * How much of the caller's own buffer the next read should use when readTarget is null: all
   * of it, except within or after a large record, when the next one is probably large too
   * (READs streaming): then only the rest of the record and the next one's first few KiB, enough for the record's headers, so that the
   * rest of it is read straight into its own buffer (readTarget) rather than into the caller's
   * and copied out of it (a copy of every byte read: 13% of a 1 GiB download's CPU).
   */
  scratchBytes(available: number): number {
    const fragment = this.fragment;
    const large = fragment ? fragment.length >= DIRECT_READ_MIN : this.lastRecordLarge;
    if (!large) return available;
    const rest = fragment ? fragment.length - this.fragmentBytes : 0;
    return Math.min(available, rest + HEADER_READ_BYTES);
  }

  /** Bytes received but not yet part of a complete record. */
  get pending(): number {
    return this.headerBytes + this.fragmentBytes + this.recordBytes;
  }
}
